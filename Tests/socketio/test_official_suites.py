"""The official Engine.IO and Socket.IO conformance suites (socketio/engine.io-protocol and
socketio/socket.io-protocol, test-suite/, run offline from ../shared/protocol-suites with Node and
Debian's mocha, chai, ws and node-fetch) against SocketIOTestServer --protocol-suite, with
node-fetch and with Node's own fetch: every test must pass. Against the daemon, every test that
needs no application handler must pass."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import ROOT

CANDIDATES = [os.environ.get("PROTOCOL_SUITES", ""), os.path.join(ROOT, "..", "shared", "protocol-suites"), "/work/shared/protocol-suites"]
SUITES = next((os.path.realpath(p) for p in CANDIDATES if p and os.path.exists(os.path.join(p, "run-suites.sh"))), None)
pytestmark = pytest.mark.skipif(SUITES is None or shutil.which("node") is None,
                                reason="the official protocol suites (../shared/protocol-suites) or Node are not on this machine")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_suites(url, fetch, *extra):
    env = {**os.environ, "PROTO_SUITE_DIR": tempfile.mkdtemp(prefix="musicboxd-suites-")}
    if fetch == "native":
        env["SUITE_FETCH"] = "native"
    out = subprocess.run([os.path.join(SUITES, "run-suites.sh"), url, *extra], capture_output=True, text=True, env=env, timeout=600)
    text = out.stdout + out.stderr
    counts = {name: (int(p), int(f)) for name, p, f in re.findall(r"(EngineIO|SocketIO): (\d+) passed, (\d+) failed", text)}
    return counts, text


def start(command, url, **extra):
    # The daemon refuses MUSICBOXD_* variables it does not know (CI sets MUSICBOXD_BINARY).
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
    env.update(extra)
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[0]} did not start")


@pytest.mark.parametrize("fetch", ["node-fetch", "native"])
def test_both_official_suites_pass_in_full_against_the_test_server(fetch):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    binary = os.environ.get("SOCKETIO_TEST_SERVER") or os.path.join(ROOT, ".build", "debug", "SocketIOTestServer")
    proc = start([binary, "--port", str(port), "--ping-interval", "300", "--ping-timeout", "200", "--max-payload", "1000000",
                  "--any-origin", "--protocol-suite"], url)
    try:
        counts, text = run_suites(url, fetch)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print({k: v for k, v in counts.items()})
    assert counts.get("EngineIO") == (24, 0), text[-4000:]
    assert counts.get("SocketIO") == (32, 0), text[-4000:]


def test_the_daemon_passes_every_test_that_needs_no_application_handler():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
    data = tempfile.mkdtemp(prefix="musicboxd-suites-data-")
    env_binary = [binary, "run", "--hardware", "sim", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data]
    # The reference timings of the suites, through the daemon's own settings.
    proc = start(env_binary, url, MUSICBOXD_REALTIME_PING_INTERVAL_MS="300", MUSICBOXD_REALTIME_PING_TIMEOUT_MS="200",
                 MUSICBOXD_REALTIME_CONNECT_TIMEOUT_MS="500")
    try:
        # The tests of the reference's own handlers (auth, message-back, /custom, the /engine.io/
        # echo) are the ones the box cannot pass: it has other handlers.
        counts, text = run_suites(url, "native", "--eio-path", "/socket.io/", "--only", "socket.io",
                                  "--grep", "open a session|should fail with|should disallow|invalid format|no handshake|should close the session upon")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(counts)
    passed, failed = counts.get("SocketIO", (0, 1))
    assert passed >= 15 and failed == 0, text[-4000:]
