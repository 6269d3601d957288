"""The appliance under systemd: the unit file passes `systemd-analyze verify`, and the daemon speaks
sd_notify to a NOTIFY_SOCKET the test owns: READY=1 first, WATCHDOG=1 while the state manager and
the event loops answer, none while the state manager hangs, STOPPING=1 at the end."""
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import ROOT
from daemon import Daemon
from helpers import wait_for
from test_daemon_controls import Board, fake_gpiod  # noqa: F401 (fixture)
from test_feedback_sounds import Capture, cues_heard

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
    limit = re.search(r"^LimitNOFILE=(\d+)$", text, re.MULTILINE)
    assert limit and int(limit.group(1)) >= 4096, "room for many clients' sockets"
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


SHUTDOWN_UNITS = [os.path.join(ROOT, "systemd", name) for name in ("musicboxd-shutdown.path", "musicboxd-shutdown.service")]


def test_the_shutdown_units_verify_and_watch_where_the_daemon_asks():
    tool = shutil.which("systemd-analyze")
    if not tool:
        pytest.fail("systemd-analyze is needed (Debian package systemd)")
    result = subprocess.run([tool, "verify", *SHUTDOWN_UNITS], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", result
    with open(UNIT) as unit:
        main = unit.read()
    with open(SHUTDOWN_UNITS[0]) as unit:
        watched = re.search(r"^PathExists=(\S+)$", unit.read(), re.MULTILINE).group(1)
    with open(SHUTDOWN_UNITS[1]) as unit:
        service = unit.read()
    # The daemon writes $RUNTIME_DIRECTORY/poweroff; its unit's RuntimeDirectory= makes that /run/musicboxd.
    runtime = re.search(r"^RuntimeDirectory=(\S+)$", main, re.MULTILINE).group(1)
    assert watched == f"/run/{runtime}/poweroff"
    assert re.search(r"^RuntimeDirectoryMode=0750$", main, re.MULTILINE)  # only the daemon's user may ask
    assert f"ExecStartPre=/usr/bin/rm -f {watched}" in service and "systemctl --no-block poweroff" in service


def power_daemon(runtime):
    """A daemon as systemd starts it with RuntimeDirectory= (or, given None, as a shell does)."""
    return Daemon(env_extra={"RUNTIME_DIRECTORY": runtime or ""}, feedback_sounds=True)


def sounds(daemon):
    return [s["cue"] for s in requests.get(f"{daemon.url}/api/dev/sounds", timeout=5).json()["data"]["sounds"]]


def test_switching_off_pauses_saves_says_goodbye_then_asks_systemd():
    runtime = tempfile.mkdtemp(prefix="musicboxd-run-")
    request = os.path.join(runtime, "poweroff")
    daemon = power_daemon(runtime)
    try:
        playlist = daemon.seed_playlist("Evening", [600_000])
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist, "position_ms": 42_000},
                      timeout=5).raise_for_status()
        time.sleep(0.5)
        pressed = time.monotonic()
        requests.post(f"{daemon.url}/api/system/shutdown", json={}, timeout=5).raise_for_status()
        deadline = time.monotonic() + 10
        while not os.path.exists(request) and time.monotonic() < deadline:
            time.sleep(0.02)
        asked = time.monotonic() - pressed
        assert os.path.exists(request), "no power-off request was written"
        # Only after the goodbye had time to play; by then the music was paused and its place saved.
        assert 1.0 <= asked < 3.0, asked
        assert sounds(daemon)[-1] == "goodbye"
        status = requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert status["state"] == "paused"
        with sqlite3.connect(os.path.join(daemon.data, "musicbox.sqlite")) as db:
            saved = db.execute("SELECT position_ms FROM resume WHERE playlist_id = ?", (playlist,)).fetchone()
        assert saved and saved[0] >= 42_000, saved
        # Asking again while switching off changes nothing.
        again = requests.post(f"{daemon.url}/api/system/shutdown", json={}, timeout=5)
        assert again.status_code == 202 and sounds(daemon).count("goodbye") == 1
    finally:
        daemon.stop()


SHUTDOWN_PIN = 26


def button_box(fake_gpiod, runtime):
    """A box with a shutdown button on the fake libgpiod, its sounds captured by ALSA's file plugin."""
    work = tempfile.mkdtemp(prefix="musicboxd-button-")
    board = Board(work)
    capture = os.path.join(work, "out.raw")
    daemon = Daemon(hardware="real", feedback_sounds=True, env_extra={
        "LD_PRELOAD": fake_gpiod, "FAKE_GPIOD_CONTROL": board.path, "FAKE_GPIOD_LOG": board.log, "FAKE_GPIOD_CHIP": "gpiochip0",
        "MUSICBOXD_CONTROLS_SHUTDOWN_PIN": str(SHUTDOWN_PIN), "MUSICBOXD_CONTROLS_SHUTDOWN_HOLD_MS": "1000",
        "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{work}/no-reader", "LIBNFC_AUTO_SCAN": "false",
        "MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw", "HOME": work, "XDG_RUNTIME_DIR": work,
        "RUNTIME_DIRECTORY": runtime or ""})
    return daemon, board, Capture(capture)


def test_the_shutdown_button_held_switches_off_and_a_short_press_does_nothing(fake_gpiod):
    runtime = tempfile.mkdtemp(prefix="musicboxd-run-")
    request = os.path.join(runtime, "poweroff")
    daemon, board, capture = button_box(fake_gpiod, runtime)
    try:
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["gpio"] == "available", timeout=10)
        board.press(SHUTDOWN_PIN, hold=0.2)
        time.sleep(1.5)
        assert not os.path.exists(request) and capture.size() == 0, "a short press switched the box off"
        held = time.monotonic()
        board.press(SHUTDOWN_PIN, hold=1.3)
        assert wait_for(lambda: os.path.exists(request), timeout=10), "holding the button wrote no power-off request"
        assert time.monotonic() - held >= 1.0
        assert cues_heard(capture.next_sound()) == {"goodbye"}
    finally:
        daemon.stop()


def test_switching_off_needs_a_parent_and_says_when_it_is_not_set_up(fake_gpiod):
    daemon = power_daemon(None)
    try:
        refused = requests.post(f"{daemon.url}/api/system/shutdown", json={}, timeout=5)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error_type"] == "hardware_unavailable"
        assert refused.json()["details"]["reason"] == "power_off_not_set_up"
    finally:
        daemon.stop()
    # The button of a box without the shutdown path: the error sound, and the box plays on.
    daemon, board, capture = button_box(fake_gpiod, None)
    try:
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["gpio"] == "available", timeout=10)
        board.press(SHUTDOWN_PIN, hold=1.3)
        assert cues_heard(capture.next_sound()) == {"error"}
    finally:
        daemon.stop()
    runtime = tempfile.mkdtemp(prefix="musicboxd-run-")
    daemon = power_daemon(runtime)
    try:
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": "2468"}, timeout=5).status_code == 200
        refused = requests.post(f"{daemon.url}/api/system/shutdown", json={}, timeout=5)
        assert refused.status_code == 401 and refused.json()["error_type"] == "unauthorized"
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": "2468"}, timeout=5).json()["data"]["token"]
        accepted = requests.post(f"{daemon.url}/api/system/shutdown", json={}, headers={"Authorization": f"Bearer {token}"},
                                 timeout=5)
        assert accepted.status_code == 202 and accepted.json()["data"]["switching_off"] is True
        assert wait_for(lambda: os.path.exists(os.path.join(runtime, "poweroff")), timeout=5)
    finally:
        daemon.stop()
