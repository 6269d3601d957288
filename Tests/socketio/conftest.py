"""Fixtures for the Socket.IO conformance suite: the Swift test server as a real process."""
import os
import re
import signal
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PING_INTERVAL_MS = 400
PING_TIMEOUT_MS = 400
MAX_PAYLOAD = 100_000

TRANSPORTS = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": ["polling", "websocket"],
}


def server_binary():
    path = os.environ.get("SOCKETIO_TEST_SERVER") or os.path.join(ROOT, ".build", "debug", "SocketIOTestServer")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `swift build --product SocketIOTestServer` first")
    return path


class ServerProcess:
    """The test server on a free loopback port; restartable on the same port."""

    def __init__(self, *extra, port=0):
        self.extra = list(extra)
        self.port = port
        self.start()

    def start(self):
        args = [server_binary(), "--port", str(self.port), "--ping-interval", str(PING_INTERVAL_MS),
                "--ping-timeout", str(PING_TIMEOUT_MS), "--max-payload", str(MAX_PAYLOAD), *self.extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            match = re.search(r"listening on port (\d+)", line or "")
            if match:
                self.port = int(match.group(1))
                return
            if self.proc.poll() is not None:
                break
        raise RuntimeError("test server did not start")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def server():
    process = ServerProcess("--rate", "0")
    yield process
    process.stop()


@pytest.fixture(params=list(TRANSPORTS))
def transports(request):
    return TRANSPORTS[request.param]


# The suite runs on several workers (pytest-xdist `-n 3 --dist worksteal`, see the Makefile): each
# starts on its share of the list and idle ones take tests from the busy. The longest files go
# first, so what is left at the end is short tests that spread well.
LONGEST_FIRST = ["test_power_cuts.py", "test_web_ui.py", "test_daemon_nfc.py", "test_daemon_audio.py", "test_http_limits.py",
                 "test_openapi_fuzz.py", "test_streams.py", "test_daemon_realtime.py", "test_feedback_sounds.py", "test_uploads.py",
                 "test_links.py"]
# Files whose timing assertions do not hold beside other work (the official Engine.IO suite
# checks a ping timeout of a few hundred milliseconds): marked `solo`, run alone (Makefile).
SOLO = {"test_official_suites.py"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the marks added here
def pytest_collection_modifyitems(session, config, items):
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    for item in items:
        if os.path.basename(str(item.fspath)) in SOLO:
            item.add_marker(pytest.mark.solo)
    items.sort(key=lambda item: rank.get(os.path.basename(str(item.fspath)), len(rank)))


def pytest_configure(config):
    config.addinivalue_line("markers", "solo: run alone, not beside other tests (timing-sensitive)")
