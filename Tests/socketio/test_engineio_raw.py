"""The Engine.IO layer driven by hand: handshake errors, payload framing, overlapping polls,
origin checks and malformed packets."""
import base64
import json

import requests
import websocket

from helpers import Recorder, raw_handshake, wait_for

SEP = "\x1e"


def get(server, **params):
    return requests.get(f"{server.url}/socket.io/", params=params, timeout=5)


def test_handshake_errors(server):
    assert get(server, EIO="3", transport="polling").json() == {"code": 5, "message": "Unsupported protocol version"}
    assert get(server, transport="polling").json()["code"] == 5
    assert get(server, EIO="4", transport="carrier-pigeon").json() == {"code": 0, "message": "Transport unknown"}
    assert get(server, EIO="4", transport="polling", sid="nope").json() == {"code": 1, "message": "Session ID unknown"}
    post = requests.post(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, data="40", timeout=5)
    assert post.status_code == 400
    assert post.json() == {"code": 2, "message": "Bad handshake method"}


def test_polling_payloads_are_joined_and_split(server):
    sid, _ = raw_handshake(server.url)
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    # Two packets in one POST: CONNECT, then an EVENT with an ack id.
    body = "40" + SEP + '421["echo","a","b"]'
    assert requests.post(f"{server.url}/socket.io/", params=params, data=body.encode(), timeout=5).text == "ok"
    packets = []
    while not any(p.startswith("431") for p in packets):
        packets += get(server, **params).text.split(SEP)
    assert packets[0].startswith('40{"sid":')
    assert '431["a","b"]' in packets


def test_binary_over_polling_is_base64(server):
    sid, _ = raw_handshake(server.url)
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    requests.post(f"{server.url}/socket.io/", params=params, data="40", timeout=5)
    get(server, **params)
    event = '451-2["echo",{"_placeholder":true,"num":0}]'
    attachment = "b" + base64.b64encode(b"\x01\x02\x03").decode()
    requests.post(f"{server.url}/socket.io/", params=params, data=(event + SEP + attachment).encode(), timeout=5)
    packets = []
    while len(packets) < 2:
        packets += [p for p in get(server, **params).text.split(SEP) if p not in ("2",)]
    assert packets[0].startswith("461-2")
    assert json.loads(packets[0][len("461-2"):]) == [{"_placeholder": True, "num": 0}]
    assert base64.b64decode(packets[1][1:]) == b"\x01\x02\x03"


def test_overlapping_polls_close_the_session(server):
    import threading
    sid, _ = raw_handshake(server.url)
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    first = {}
    thread = threading.Thread(target=lambda: first.setdefault("reply", get(server, **params)))
    thread.start()
    wait_for(lambda: False, timeout=0.2)
    second = get(server, **params)
    assert second.status_code == 400
    thread.join(timeout=5)
    assert get(server, **params).json()["code"] == 1


def test_malformed_packets_close_only_that_client(server):
    bystander = Recorder(server.url, ["websocket"])
    try:
        for bad in ["4garbage", "42[", '42{"not":"an array"}', "49", "45999999-[]", '42["x"' + "[" * 100 + "]" * 100 + "]", "b!!!"]:
            sid, _ = raw_handshake(server.url)
            params = {"EIO": "4", "transport": "polling", "sid": sid}
            requests.post(f"{server.url}/socket.io/", params=params, data="40", timeout=5)
            reply = requests.post(f"{server.url}/socket.io/", params=params, data=bad.encode(), timeout=5)
            assert reply.status_code == 400, bad
            assert get(server, **params).json()["code"] == 1, bad
        invalid_utf8 = requests.post(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": raw_handshake(server.url)[0]}, data=b"42[\"\xff\xfe\"]", timeout=5)
        assert invalid_utf8.status_code == 400
        assert bystander.client.call("echo", "fine", timeout=5) == "fine"
    finally:
        bystander.close()


def test_events_before_connect_are_refused(server):
    sid, _ = raw_handshake(server.url)
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    reply = requests.post(f"{server.url}/socket.io/", params=params, data='42["echo"]', timeout=5)
    assert reply.status_code == 400


def test_foreign_origin_is_refused(server):
    evil = {"Origin": "http://evil.example"}
    reply = requests.get(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=evil, timeout=5)
    assert reply.status_code == 403
    assert reply.json() == {"code": 4, "message": "Forbidden"}
    try:
        websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", origin="http://evil.example", timeout=5)
        raise AssertionError("a cross-origin WebSocket was accepted")
    except websocket.WebSocketBadStatusException as error:
        assert error.status_code in (400, 403)
    same = requests.get(f"{server.url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                        headers={"Origin": server.url}, timeout=5)
    assert same.status_code == 200
    assert same.headers["access-control-allow-origin"] == server.url


def test_websocket_upgrade_dance(server):
    sid, _ = raw_handshake(server.url)
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    requests.post(f"{server.url}/socket.io/", params=params, data="40", timeout=5)
    assert get(server, **params).text.startswith("40")
    import threading
    pending = {}
    poll = threading.Thread(target=lambda: pending.setdefault("reply", get(server, **params)))
    poll.start()
    ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket&sid={sid}", timeout=5)
    ws.send("2probe")
    assert ws.recv() == "3probe"
    poll.join(timeout=5)
    assert pending["reply"].text == "6"  # the waiting poll is released with a noop
    ws.send("5")
    ws.send('421["echo","over ws"]')
    frames = [ws.recv() for _ in range(1)]
    while not frames[-1].startswith("431"):
        frames.append(ws.recv())
    assert frames[-1] == '431["over ws"]'
    after = get(server, **params)
    assert after.status_code == 400  # polling is over for this session
    ws.close()
