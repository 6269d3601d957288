"""The appliance under systemd: the unit file passes `systemd-analyze verify`, and the daemon speaks
sd_notify to a NOTIFY_SOCKET the test owns: READY=1 first, WATCHDOG=1 while the state manager and
the event loops answer, none while the state manager hangs, STOPPING=1 at the end."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import ROOT
from daemon import Daemon

UNIT = os.path.join(ROOT, "systemd", "musicboxd.service")


def unit_for(binary):
    """The unit as installed, with ExecStart pointing at the binary under test (verify checks it exists)."""
    folder = tempfile.mkdtemp(prefix="musicboxd-unit-")
    path = os.path.join(folder, "musicboxd.service")
    with open(UNIT) as source, open(path, "w") as target:
        target.write(source.read().replace("/usr/local/bin/musicboxd", binary))
    return path


@pytest.fixture
def binary():
    path = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `swift build` first")
    return path


def test_the_unit_passes_systemd_analyze_verify(binary):
    tool = shutil.which("systemd-analyze")
    if not tool:
        pytest.fail("systemd-analyze is needed (Debian package systemd)")
    path = unit_for(binary)
    result = subprocess.run([tool, "verify", path], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", result
    with open(UNIT) as unit:
        text = unit.read()
    for line in ("Type=notify", "Restart=always", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                 "NoNewPrivileges=yes", "StateDirectory=musicboxd", "ConfigurationDirectory=musicboxd",
                 "SupplementaryGroups=audio gpio i2c spi dialout"):
        assert line in text, line
    assert re.search(r"^WatchdogSec=\d+", text, re.MULTILINE)
    assert re.search(r"^RestrictAddressFamilies=", text, re.MULTILINE)
    assert re.search(r"^DeviceAllow=", text, re.MULTILINE)
    # systemd's own hardening score (0 best, 10 worst).
    security = subprocess.run([tool, "security", "--offline=yes", path], capture_output=True, text=True)
    score = float(re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout).group(1))
    assert score <= 3.0, security.stdout[-2000:]
    # And the check does catch a broken unit.
    broken = path + ".broken.service"
    with open(path) as good, open(broken, "w") as bad:
        bad.write(good.read().replace(binary, "/nonexistent/musicboxd"))
    assert subprocess.run([tool, "verify", broken], capture_output=True, text=True).returncode != 0


class NotifyListener(threading.Thread):
    """A NOTIFY_SOCKET as systemd would hold it: records (time, message) for each datagram."""

    def __init__(self, abstract=False):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"musicboxd-test-{os.getpid()}-{time.monotonic_ns()}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(tempfile.mkdtemp(prefix="notify-"), "notify.sock")
            self.sock.bind(self.address)
        self.sock.settimeout(0.2)
        self.messages = []
        self.running = True
        self.start()

    def run(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self.messages.append((time.monotonic(), data.decode()))

    def times(self, line):
        return [at for at, message in self.messages if line in message.split("\n")]

    def stop(self):
        self.running = False
        self.join()
        self.sock.close()


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_ready_then_watchdog_pings_and_a_hung_state_manager_stops_them(abstract):
    listener = NotifyListener(abstract)
    started = time.monotonic()
    box = Daemon(env_extra={"NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "300000"})
    try:
        deadline = time.monotonic() + 10
        while not listener.times("WATCHDOG=1") and time.monotonic() < deadline:
            time.sleep(0.02)
        first = listener.messages[0][1].split("\n")
        assert first[0] == "READY=1", listener.messages[:3]
        assert any(line.startswith("STATUS=listening on port") and "healthy" in line for line in first), first
        assert f"MAINPID={box.proc.pid}" in first
        ready_at = listener.times("READY=1")[0]
        print(f"spawn -> READY=1 (debug build, simulated hardware): {(ready_at - started) * 1000:.0f} ms")
        # Pings every 150 ms (half of WATCHDOG_USEC), all after READY=1.
        time.sleep(1.0)
        pings = listener.times("WATCHDOG=1")
        assert pings[0] >= ready_at and len(pings) >= 5, pings
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert max(gaps) < 0.6, gaps
        # The state manager hangs for 1.5 s: no ping in that time, then they come back.
        hang = requests.post(f"{box.url}/api/dev/stall", json={"seconds": 1.5}, timeout=5)
        assert hang.status_code == 200, hang.text
        hung_at = time.monotonic()
        time.sleep(2.5)
        after = [at for at in listener.times("WATCHDOG=1") if at > hung_at + 0.2]
        assert after, "pings did not come back"
        silent = after[0] - hung_at
        assert 1.3 <= silent <= 2.2, silent
        # The box still works afterwards.
        assert requests.get(f"{box.url}/api/player/status", timeout=5).status_code == 200
        box.terminate()
        assert listener.times("STOPPING=1"), listener.messages[-3:]
    finally:
        box.stop()
        listener.stop()


def test_without_notify_socket_the_box_runs_as_before():
    box = Daemon()
    try:
        info = requests.get(f"{box.url}/api/system/info", timeout=5).json()["data"]
        timeline = info["boot_timeline_ms"]
        order = ["config_loaded", "database_open", "audio_open", "library_loaded", "reader_open", "http_listening", "ready"]
        assert set(timeline) == set(order), timeline
        # Built one after the other; the reader's thread starts alongside HTTP; ready comes last.
        chain = ["config_loaded", "database_open", "audio_open", "library_loaded", "http_listening", "ready"]
        assert [timeline[name] for name in chain] == sorted(timeline[name] for name in chain), timeline
        assert timeline["reader_open"] <= timeline["ready"] < 5000, timeline
    finally:
        box.stop()
