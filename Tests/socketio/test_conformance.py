"""Conformance of our Socket.IO server with the official Python client (python-socketio 5.x),
over long-polling only, WebSocket only, and polling upgraded to WebSocket."""
import json
import os
import threading
import time

import pytest
import requests
import socketio
import websocket

from conftest import MAX_PAYLOAD, PING_INTERVAL_MS, PING_TIMEOUT_MS, ServerProcess
from helpers import Recorder, raw_handshake, wait_for


def expected_transport(transports):
    return "websocket" if "websocket" in transports else "polling"


# --- connecting -------------------------------------------------------------------------------

def test_connects_on_the_requested_transport(server, transports):
    client = Recorder(server.url, transports)
    try:
        assert wait_for(lambda: client.client.transport() == expected_transport(transports))
        assert client.client.get_sid() is not None
    finally:
        client.close()


def test_connect_without_auth_and_with_auth(server, transports):
    plain = Recorder(server.url, transports)
    with_auth = Recorder(server.url, transports, auth={"token": "anything", "n": 1})
    try:
        assert plain.client.call("whoami", timeout=5)["auth"] in (None, {})  # python-socketio sends {} when no auth is given
        me = with_auth.client.call("whoami", timeout=5)
        assert me["auth"] == {"token": "anything", "n": 1}
        assert me["namespace"] == "/"
        assert me["id"] == with_auth.client.get_sid()
    finally:
        plain.close()
        with_auth.close()


def connect_refused(url, transports, **options):
    """Connects expecting a CONNECT_ERROR; returns the data python-socketio hands to `connect_error`."""
    client = socketio.Client(reconnection=False)
    errors = []
    namespace = (options.get("namespaces") or ["/"])[0]
    client.on("connect_error", lambda data=None: errors.append(data), namespace=namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, transports=transports, wait_timeout=5, **options)
    assert wait_for(lambda: errors)
    return errors[0]


def test_auth_rejected_with_message(server, transports):
    error = connect_refused(server.url, transports, auth={"token": "reject-me"})
    assert error["message"] == "not welcome"


def test_namespace_with_auth_hook(server, transports):
    admin = Recorder(server.url, transports, namespaces=["/admin"], auth={"token": "secret"})
    try:
        me = admin.client.call("whoami", namespace="/admin", timeout=5)
        assert me["namespace"] == "/admin"
    finally:
        admin.close()
    error = connect_refused(server.url, transports, namespaces=["/admin"], auth={"token": "wrong"})
    assert error == {"message": "unauthorized", "data": {"reason": "bad token"}}


def test_unknown_namespace_is_refused(server, transports):
    error = connect_refused(server.url, transports, namespaces=["/nope"])
    assert error["message"] == "Invalid namespace"


def test_two_namespaces_over_one_connection(server, transports):
    client = Recorder(server.url, transports, namespaces=["/", "/admin"], auth={"token": "secret"})
    try:
        assert client.client.call("whoami", timeout=5)["namespace"] == "/"
        assert client.client.call("whoami", namespace="/admin", timeout=5)["namespace"] == "/admin"
    finally:
        client.close()


# --- events and acknowledgements --------------------------------------------------------------

def test_emit_both_ways(server, transports):
    client = Recorder(server.url, transports)
    try:
        client.client.emit("echo", ("hello", 42, {"nested": [1, None, True, 2.5, "é✓"]}))
        assert wait_for(lambda: client.received("echo"))
        assert client.received("echo")[0] == ("hello", 42, {"nested": [1, None, True, 2.5, "é✓"]})
    finally:
        client.close()


def test_acks_both_ways(server, transports):
    client = Recorder(server.url, transports)

    @client.client.on("question")
    def question(*args):
        return "answer", list(args)

    try:
        assert client.client.call("echo", ("a", 1), timeout=5) == ("a", 1)
        assert client.client.call("echo", timeout=5) is None  # an empty ack
        status, reply = client.client.call("ask", ("question", "why", 7), timeout=5)
        assert status == "ok"
        assert reply == ["answer", ["why", 7]]
    finally:
        client.close()


def test_server_ack_times_out_when_client_does_not_answer(server):
    # python-socketio acknowledges every event, so a raw client plays the one that never answers.
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    try:
        assert ws.recv().startswith("0{")
        ws.send("40")
        assert ws.recv().startswith("40")
        ws.send('427["ask","silence"]')
        frames = []
        while not (frames and frames[-1].startswith("437")):
            frame = ws.recv()
            if frame == "2":
                ws.send("3")  # stay alive, only the ack is withheld
            frames.append(frame)
        assert any(f.startswith('420["silence"]') for f in frames)
        assert frames[-1].startswith('437["error","ackTimeout')
    finally:
        ws.close()


def test_binary_both_ways(server, transports):
    client = Recorder(server.url, transports)
    blob = bytes(range(256)) * 4
    try:
        assert client.client.call("echo", blob, timeout=5) == blob
        nested = {"a": b"\x00\x01", "list": [b"\xff", "text", {"deep": b"\x10\x20"}]}
        assert client.client.call("echo", (nested, b"second"), timeout=5) == (nested, b"second")
        client.client.emit("echo", b"\x01\x02\x03")
        assert wait_for(lambda: client.received("echo"))
        assert client.received("echo")[0] == (b"\x01\x02\x03",)
    finally:
        client.close()


# --- rooms and broadcasts ---------------------------------------------------------------------

def test_rooms_and_broadcasts(server, transports):
    a, b, c = (Recorder(server.url, transports) for _ in range(3))
    # A room of its own: the clients of the previous transport's run may still be leaving the
    # shared server's rooms when this run starts.
    kitchen = f"kitchen-{'-'.join(transports)}-{time.monotonic_ns()}"
    try:
        assert kitchen in a.client.call("join", kitchen, timeout=5)
        assert kitchen in b.client.call("join", kitchen, timeout=5)

        assert c.client.call("to-room", (kitchen, "news", "dinner", b"\x07"), timeout=5) == 2
        assert wait_for(lambda: a.received("news") and b.received("news"))
        assert a.received("news")[0] == ("dinner", b"\x07")
        time.sleep(0.2)
        assert c.received("news") == []

        assert a.client.call("broadcast", ("shout", 1), timeout=5) >= 2
        assert wait_for(lambda: b.received("shout") and c.received("shout"))
        time.sleep(0.2)
        assert a.received("shout") == []

        assert kitchen not in b.client.call("leave", kitchen, timeout=5)
        assert c.client.call("to-room", (kitchen, "later"), timeout=5) == 1
        assert wait_for(lambda: a.received("later"))
        time.sleep(0.2)
        assert b.received("later") == []

        assert a.client.call("all", ("everyone",), timeout=5) >= 3
        assert wait_for(lambda: all(r.received("everyone") for r in (a, b, c)))
    finally:
        for r in (a, b, c):
            r.close()


def test_server_side_namespace_disconnect(server, transports):
    client = Recorder(server.url, transports)
    try:
        client.client.emit("disconnect-me")
        assert wait_for(lambda: not client.client.connected)
    finally:
        client.close()


# --- limits and failures ----------------------------------------------------------------------

def test_payload_over_max_payload_drops_only_that_client(server, transports):
    bystander = Recorder(server.url, transports)
    offender = Recorder(server.url, transports)
    try:
        offender.client.emit("echo", "x" * (MAX_PAYLOAD + 10))
        assert wait_for(lambda: not offender.client.connected, timeout=5)
        assert bystander.client.call("echo", "still here", timeout=5) == "still here"
    finally:
        bystander.close()
        offender.close()


def test_polling_client_that_stops_answering_is_dropped_in_time(server):
    observer = Recorder(server.url, ["websocket"])
    try:
        observer.client.call("join", "observers", timeout=5)
        sid, handshake = raw_handshake(server.url)
        assert handshake["pingInterval"] == PING_INTERVAL_MS
        assert handshake["pingTimeout"] == PING_TIMEOUT_MS
        assert handshake["maxPayload"] == MAX_PAYLOAD
        assert handshake["upgrades"] == ["websocket"]
        params = {"EIO": "4", "transport": "polling", "sid": sid}
        assert requests.post(f"{server.url}/socket.io/", params=params, data="40", timeout=5).text == "ok"
        reply = requests.get(f"{server.url}/socket.io/", params=params, timeout=5).text
        assert reply.startswith("40")
        socket_id = json.loads(reply[2:])["sid"]
        started = time.time()
        # Now the client goes silent: no poll, no pong. (Other tests' sockets may leave too: match ours.)
        assert wait_for(lambda: (socket_id, "ping timeout") in observer.received("left"), timeout=5)
        elapsed_ms = (time.time() - started) * 1000
        assert elapsed_ms <= PING_INTERVAL_MS + PING_TIMEOUT_MS + 300, elapsed_ms
        gone = requests.get(f"{server.url}/socket.io/", params=params, timeout=5)
        assert gone.status_code == 400
        assert gone.json() == {"code": 1, "message": "Session ID unknown"}
    finally:
        observer.close()


def test_websocket_client_that_stops_answering_is_dropped_in_time(server):
    observer = Recorder(server.url, ["websocket"])
    try:
        observer.client.call("join", "observers", timeout=5)
        ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=5)
        assert ws.recv().startswith("0{")
        ws.send("40")
        reply = ws.recv()
        assert reply.startswith("40")
        socket_id = json.loads(reply[2:])["sid"]
        started = time.time()
        assert wait_for(lambda: (socket_id, "ping timeout") in observer.received("left"), timeout=5)
        assert (time.time() - started) * 1000 <= PING_INTERVAL_MS + PING_TIMEOUT_MS + 300
        ws.close()
    finally:
        observer.close()


def test_heartbeat_keeps_answering_clients(server, transports):
    client = Recorder(server.url, transports)
    try:
        time.sleep((PING_INTERVAL_MS + PING_TIMEOUT_MS) * 3 / 1000)
        assert client.client.connected
        assert client.client.call("echo", "alive", timeout=5) == "alive"
    finally:
        client.close()


def test_client_reconnects_after_server_restart(transports):
    process = ServerProcess("--rate", "0")
    try:
        client = Recorder(process.url, transports, reconnection=True)
        assert client.client.call("echo", 1, timeout=5) == 1
        port = process.port
        process.stop()
        assert wait_for(lambda: client.disconnects, timeout=5)
        process.port = port
        process.start()
        assert wait_for(lambda: client.connects >= 2 and client.client.connected, timeout=15)
        assert client.client.call("echo", 2, timeout=5) == 2
        client.close()
    finally:
        process.stop()


def test_event_flood_is_rate_limited():
    process = ServerProcess("--rate", "5")
    try:
        client = Recorder(process.url, ["websocket"])
        for index in range(40):
            client.client.emit("echo", index)
        assert wait_for(lambda: client.received("rate_limited"), timeout=5)
        event, retry_after = client.received("rate_limited")[0]
        assert event == "echo" and retry_after > 0
        assert len(client.received("echo")) < 40
        client.close()
    finally:
        process.stop()


def test_graceful_shutdown_tells_clients(transports):
    process = ServerProcess("--rate", "0")
    try:
        client = Recorder(process.url, transports)
        assert client.client.call("echo", 1, timeout=5) == 1
        started = time.time()
        process.proc.send_signal(15)  # SIGTERM
        # Told at once by a close packet, not found out after pingInterval + pingTimeout.
        assert wait_for(lambda: client.disconnects, timeout=PING_INTERVAL_MS / 1000)
        assert process.proc.wait(timeout=10) == 0
        assert time.time() - started < 5
    finally:
        process.stop()


def test_client_that_stops_reading_is_dropped_and_others_keep_up():
    # Long heartbeats, so the outbox limit (not a ping timeout) is what must catch the silent client.
    process = ServerProcess("--rate", "0", "--max-outbox-kib", "256", "--ping-interval", "60000", "--ping-timeout", "60000")
    try:
        observer = Recorder(process.url, ["websocket"])
        sender = Recorder(process.url, ["websocket"])
        observer.client.call("join", "observers", timeout=5)
        open_fds = lambda: len(os.listdir(f"/proc/{process.proc.pid}/fd"))
        fds_before = open_fds()
        # A phone that stops reading: tiny receive buffer, never calls recv after connecting.
        import socket as pysocket
        slow = websocket.WebSocket(sockopt=((pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 4096),))
        slow.connect(f"ws://127.0.0.1:{process.port}/socket.io/?EIO=4&transport=websocket", timeout=5)
        assert slow.recv().startswith("0{")
        slow.send("40")
        chunk = "y" * 50_000
        sent = 0
        while not any(args[1] == "slow client" for args in observer.received("left")) and sent < 400:
            # Acknowledged broadcasts, so the sender itself is never the one flooding its own outbox.
            sender.client.call("all", ("blob", chunk), timeout=10)
            sent += 1
        assert any(args[1] == "slow client" for args in observer.received("left")), f"not dropped after {sent} broadcasts"
        # Everyone else got every broadcast, in full.
        assert wait_for(lambda: len(observer.received("blob")) == sent, timeout=10)
        assert all(args == (chunk,) for args in observer.received("blob"))
        assert sender.client.call("echo", "fine", timeout=5) == "fine"
        # And its connection is released, not held open behind the unread data.
        assert wait_for(lambda: open_fds() <= fds_before, timeout=5), (open_fds(), fds_before)
        slow.close()
        observer.close()
        sender.close()
    finally:
        process.stop()
