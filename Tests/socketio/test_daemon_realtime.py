"""The real musicboxd binary speaking Socket.IO on its HTTP port (first part of the contract, issue 4)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import ROOT
from helpers import Recorder, wait_for


class Daemon:
    def __init__(self):
        binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
        if not os.access(binary, os.X_OK):
            pytest.fail(f"{binary} is missing: run `swift build` first")
        self.data = tempfile.mkdtemp(prefix="musicboxd-realtime-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
        self.proc = subprocess.Popen(
            [binary, "run", "--port", "0", "--host", "127.0.0.1", "--data-dir", self.data, "--hardware", "sim"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"ready on port (\d+)", self.proc.stderr.readline() or "")
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return
            if self.proc.poll() is not None:
                break
        raise RuntimeError("musicboxd did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc.stderr.close()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def daemon():
    process = Daemon()
    yield process
    process.stop()


def test_connection_status_matches_the_box(daemon, transports):
    info = requests.get(f"{daemon.url}/api/system/info", timeout=5).json()["data"]
    client = Recorder(daemon.url, transports)
    try:
        assert wait_for(lambda: client.received("connection_status"))
        (status,) = client.received("connection_status")[0]
        assert status["status"] == "connected"
        assert status["sid"] == client.client.get_sid()
        assert status["server_epoch"] == info["server_epoch"]
        assert status["server_seq"] == info["server_seq"]
        assert abs(status["server_time"] - time.time() * 1000) < 5000
    finally:
        client.close()
    # A change moves the sequence; the next client sees where it stands now.
    created = requests.post(f"{daemon.url}/api/playlists", json={"title": "Bedtime"}, timeout=5).json()
    later = Recorder(daemon.url, transports)
    try:
        assert wait_for(lambda: later.received("connection_status"))
        assert later.received("connection_status")[0][0]["server_seq"] == created["server_seq"]
    finally:
        later.close()


def test_sigterm_tells_clients_and_exits_cleanly(daemon, transports):
    client = Recorder(daemon.url, transports)
    assert wait_for(lambda: client.received("connection_status"))
    daemon.proc.send_signal(signal.SIGTERM)
    assert wait_for(lambda: client.disconnects, timeout=3)
    assert daemon.proc.wait(timeout=10) == 0
