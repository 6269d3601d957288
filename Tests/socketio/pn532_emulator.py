"""A PN532 NFC reader emulated on a pseudo-terminal, so the daemon's real libnfc `pn532_uart`
driver can be tested without hardware (facts in shared/notes/testing-hardware-without-hardware.md).

The emulator answers the PN532 frames libnfc sends (`00 00 FF LEN LCS D4 CMD … DCS 00`, each
answer preceded by an ACK), keeps one ISO14443A tag that tests place and remove, and can be
unplugged (its pty closed, its path gone) and plugged back in.

    reader = PN532Emulator("/tmp/x/pn532")       # connection string: pn532_uart:/tmp/x/pn532
    reader.place("04a1b2c3d4e5f6")               # 7-byte UID: an NTAG; 4 bytes: a MIFARE Classic
    reader.remove(); reader.unplug(); reader.plug(); reader.close()
"""
import os
import select
import threading
import time
import tty

ACK = bytes([0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00])
# InAutoPoll period unit: 150 ms.
POLL_UNIT = 0.15


def frame(payload):
    """A PN532 information frame around `payload` (TFI D5 first)."""
    length = len(payload)
    checksum = (0x100 - sum(payload)) & 0xFF
    return bytes([0x00, 0x00, 0xFF, length, (0x100 - length) & 0xFF, *payload, checksum, 0x00])


class PN532Emulator:
    def __init__(self, path):
        self.path = path
        self.uid = None
        self.selected = None        # the UID libnfc last found (what InDataExchange talks to)
        self.lock = threading.Lock()
        self.commands = []          # (time, command byte) of every command received
        self.answered_tag = []      # time.monotonic() of each poll answered with a tag
        self.master = None
        self.thread = None
        self.plug()

    # Test controls

    def place(self, uid_hex):
        with self.lock:
            self.uid = bytes.fromhex(uid_hex)

    def remove(self):
        with self.lock:
            self.uid = None

    def plug(self):
        """Creates the pty and its path: the reader is connected."""
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        self.master, self.slave = master, slave
        if os.path.lexists(self.path):
            os.remove(self.path)
        os.symlink(os.ttyname(slave), self.path)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def unplug(self):
        """Closes the pty and removes its path: the reader is gone."""
        self.running = False
        if self.thread:
            self.thread.join(timeout=5)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if os.path.lexists(self.path):
            os.remove(self.path)

    def close(self):
        self.unplug()

    # The PN532 side

    def _tag(self):
        with self.lock:
            return self.uid

    @staticmethod
    def _target_data(uid):
        """Tg, SENS_RES, SEL_RES, NFCID length, NFCID: a MIFARE Classic for 4 bytes, NTAG for 7."""
        if len(uid) == 4:
            return bytes([0x01, 0x00, 0x04, 0x08, 0x04]) + uid
        return bytes([0x01, 0x00, 0x44, 0x00, len(uid)]) + uid

    def _serve(self):
        buffer = b""
        pending_poll = None  # (deadline) of an InAutoPoll waiting for a tag
        while self.running:
            readable, _, _ = select.select([self.master], [], [], 0.005)
            if readable:
                try:
                    data = os.read(self.master, 1024)
                except OSError:
                    return
                buffer += data
            while True:
                parsed = self._take_frame(buffer)
                if parsed is None:
                    break
                buffer, payload = parsed
                if payload is None:
                    pending_poll = None  # the host's ACK aborts the pending command
                    continue
                if len(payload) < 2 or payload[0] != 0xD4:
                    continue
                command, args = payload[1], payload[2:]
                self.commands.append((time.time(), command))
                self._write(ACK)
                if command == 0x60:
                    count, period = args[0], args[1]
                    wait = POLL_UNIT * period * (count if count != 0xFF else 1_000_000)
                    pending_poll = time.time() + wait
                else:
                    self._write(frame(bytes([0xD5, command + 1]) + self._answer(command, args)))
            if pending_poll is not None:
                uid = self._tag()
                if uid is not None:
                    target = self._target_data(uid)
                    self.selected = uid
                    self.answered_tag.append(time.monotonic())
                    self._write(frame(bytes([0xD5, 0x61, 0x01, 0x10, len(target)]) + target))
                    pending_poll = None
                elif time.time() >= pending_poll:
                    self._write(frame(bytes([0xD5, 0x61, 0x00])))
                    pending_poll = None

    def _write(self, data):
        try:
            os.write(self.master, data)
        except OSError:
            pass

    def _answer(self, command, args):
        uid = self._tag()
        if command == 0x00:    # Diagnose: echo
            return bytes(args)
        if command == 0x02:    # GetFirmwareVersion: PN532 v1.6
            return bytes([0x32, 0x01, 0x06, 0x07])
        if command == 0x06:    # ReadRegister: one byte per address pair
            return bytes(len(args) // 2)
        if command == 0x4A:    # InListPassiveTarget, optionally for one UID
            wanted = bytes(args[2:]) if len(args) > 2 else None
            if uid is not None and (wanted is None or wanted == uid):
                self.selected = uid
                return bytes([0x01]) + self._target_data(uid)
            return bytes([0x00])
        if command == 0x40:    # InDataExchange (an NTAG READ): status 01 = timeout when gone
            return bytes([0x00]) + bytes(16) if uid is not None and uid == self.selected else bytes([0x01])
        if command in (0x44, 0x52, 0x16):  # InDeselect, InRelease, PowerDown: status OK
            return bytes([0x00])
        return b""             # SAMConfiguration, SetParameters, WriteRegister, RFConfiguration…

    @staticmethod
    def _take_frame(buffer):
        """(rest, payload) of the first whole frame in `buffer`, payload None for an ACK;
        None while no whole frame is there. Wake-up bytes (55, 00) before a frame are skipped."""
        start = buffer.find(b"\x00\xff")
        if start < 0:
            return None
        rest = buffer[start + 2:]
        if len(rest) < 2:
            return None
        length, lcs = rest[0], rest[1]
        if length == 0x00 and lcs == 0xFF:
            return rest[3:] if len(rest) >= 3 else rest[2:], None
        if (length + lcs) & 0xFF != 0:
            return rest[1:], b""  # not a frame start: skip a byte
        if len(rest) < 2 + length + 2:
            return None
        payload = rest[2:2 + length]
        return rest[2 + length + 2:], payload
