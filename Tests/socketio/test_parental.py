"""Who may do what (CONTRACT §8), through the real binary: the parent PIN, tokens as bearer,
cookie and Socket.IO `auth.token`, revocation, the PIN attempt limit, foreign origins."""
import os
import sqlite3

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for

PIN = "2468"


@pytest.fixture
def daemon():
    process = Daemon()
    yield process
    process.stop()


def call(daemon, method, path, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{daemon.url}/api/{path}", headers=headers, timeout=10, **kwargs)


def set_pin(daemon, pin=PIN, current=None):
    reply = call(daemon, "POST", "auth/pin", json={"pin": pin, "current_pin": current})
    assert reply.status_code == 200, reply.text
    return reply


def login(daemon, pin=PIN):
    reply = call(daemon, "POST", "auth/login", json={"pin": pin, "label": "pytest"})
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["token"]


def test_without_a_pin_everything_is_open(daemon):
    status = call(daemon, "GET", "auth/status").json()["data"]
    assert status == {"pin_set": False, "parent": True, "playback_requires_token": False}
    assert call(daemon, "POST", "playlists", json={"title": "Open"}).status_code == 201
    assert call(daemon, "PATCH", "settings", json={"max_volume": 90}).status_code == 200
    # Logging in makes no sense yet.
    assert call(daemon, "POST", "auth/login", json={"pin": PIN}).json()["details"]["reason"] == "no_pin"


def test_a_pin_guards_library_settings_uploads_and_tags_but_not_playback(daemon):
    playlist = call(daemon, "POST", "playlists", json={"title": "Songs"}).json()["data"]["id"]
    reply = set_pin(daemon)
    token = reply.json()["data"]["token"]
    guarded = [
        ("POST", "playlists", {"json": {"title": "X"}}),
        ("PATCH", f"playlists/{playlist}", {"json": {"title": "Y"}}),
        ("DELETE", f"playlists/{playlist}", {}),
        ("PATCH", "settings", {"json": {"max_volume": 10}}),
        ("POST", f"playlists/{playlist}/uploads/session", {"json": {"filename": "a.mp3", "file_size": 10}}),
        ("POST", "nfc/scan", {"json": {"playlist_id": playlist}}),
        ("POST", "nfc/associate", {"json": {"tag_id": "04aabbcc", "playlist_id": playlist}}),
        ("GET", "auth/tokens", {}),
    ]
    for method, path, extra in guarded:
        refused = call(daemon, method, path, **extra)
        assert refused.status_code == 401, (method, path, refused.text)
        body = refused.json()
        assert body["error_type"] == "unauthorized" and body["details"]["reason"] == "parent_token_required"
        wrong = call(daemon, method, path, token="not-a-token", **extra)
        assert wrong.status_code == 401 and wrong.json()["details"]["reason"] == "token_invalid"
    # Nothing changed.
    assert call(daemon, "GET", f"playlists/{playlist}").json()["data"]["title"] == "Songs"
    # Reading and playback stay open to the home network.
    assert call(daemon, "GET", "playlists").status_code == 200
    assert call(daemon, "GET", "settings").status_code == 200
    assert call(daemon, "POST", "player/stop").status_code == 200
    assert call(daemon, "POST", f"playlists/{playlist}/start").status_code in (200, 409)  # empty playlist: conflict, not 401
    # With the token (bearer, or the cookie the browser got) the same edits go through.
    assert call(daemon, "PATCH", f"playlists/{playlist}", token=token, json={"title": "Renamed"}).status_code == 200
    cookie = reply.cookies.get("musicbox_token")
    assert cookie == token
    assert call(daemon, "PATCH", "settings", headers={"Cookie": f"musicbox_token={cookie}"}, json={"max_volume": 80}).status_code == 200


def test_the_cookie_is_http_only_and_same_site_strict(daemon):
    header = set_pin(daemon).headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    out = call(daemon, "POST", "auth/logout", headers={"Cookie": header.split(";")[0]})
    assert "Max-Age=0" in out.headers["Set-Cookie"]


def test_the_pin_is_stored_only_as_a_slow_salted_hash(daemon):
    set_pin(daemon, "13579")
    token = login(daemon, "13579")
    with sqlite3.connect(os.path.join(daemon.data, "musicbox.sqlite")) as db:
        rows = dict(db.execute("SELECT key, value FROM settings").fetchall())
    stored = rows["parent_pin"]
    assert "13579" not in stored and stored.strip('"').startswith("scrypt$16384$8$1$")
    assert token not in rows["parent_tokens"]  # only digests of tokens are kept
    # Survives a restart: the PIN still guards, the token still works.
    daemon.terminate()
    daemon.start()
    assert call(daemon, "POST", "playlists", json={"title": "X"}).status_code == 401
    assert call(daemon, "POST", "playlists", token=token, json={"title": "X"}).status_code == 201


def test_logout_revoke_and_a_new_pin_end_logins(daemon):
    first = set_pin(daemon).json()["data"]["token"]
    second = login(daemon)
    third = login(daemon)
    logins = call(daemon, "GET", "auth/tokens", token=first).json()["data"]["tokens"]
    assert len(logins) == 3 and sum(1 for entry in logins if entry["current"]) == 1
    # Revoke the second by id.
    second_id = [entry["id"] for entry in call(daemon, "GET", "auth/tokens", token=second).json()["data"]["tokens"] if entry["current"]][0]
    assert call(daemon, "DELETE", f"auth/tokens/{second_id}", token=first).status_code == 200
    assert call(daemon, "POST", "playlists", token=second, json={"title": "X"}).status_code == 401
    # Log out the first.
    assert call(daemon, "POST", "auth/logout", token=first).status_code == 200
    assert call(daemon, "POST", "playlists", token=first, json={"title": "X"}).status_code == 401
    # Changing the PIN needs the current one, and ends every login.
    refused = call(daemon, "POST", "auth/pin", token=third, json={"pin": "9999"})
    assert refused.status_code == 401 and refused.json()["details"]["reason"] == "wrong_pin"
    set_pin(daemon, "9999", current=PIN)
    assert call(daemon, "POST", "playlists", token=third, json={"title": "X"}).status_code == 401
    assert call(daemon, "POST", "auth/login", json={"pin": PIN}).status_code == 401
    fresh = login(daemon, "9999")
    # Removing the PIN opens the box again.
    assert call(daemon, "DELETE", "auth/pin", token=fresh, json={"current_pin": "9999"}).status_code == 200
    assert call(daemon, "POST", "playlists", json={"title": "Open again"}).status_code == 201


def test_pin_format_is_checked(daemon):
    for bad in ("12", "abcd", "1234567890123", "12 34"):
        reply = call(daemon, "POST", "auth/pin", json={"pin": bad})
        assert reply.status_code == 400 and reply.json()["details"]["reason"] == "pin_format", bad
    assert call(daemon, "GET", "auth/status").json()["data"]["pin_set"] is False


def test_wrong_pins_are_rate_limited(daemon):
    set_pin(daemon)
    for _ in range(4):
        reply = call(daemon, "POST", "auth/login", json={"pin": "0000"})
        assert reply.status_code == 401 and reply.json()["details"]["reason"] == "wrong_pin"
    locked = call(daemon, "POST", "auth/login", json={"pin": "0000"})
    assert locked.status_code == 429
    body = locked.json()
    assert body["error_type"] == "rate_limited" and body["retry_after"] == 30
    assert locked.headers["Retry-After"] == "30"
    # Even the right PIN waits out the lockout (so guessing cannot be sped up).
    assert call(daemon, "POST", "auth/login", json={"pin": PIN}).status_code == 429
    # So do PIN changes from the same client.
    assert call(daemon, "POST", "auth/pin", json={"pin": "1111", "current_pin": "0000"}).status_code == 429
    # The count is the box's: a restart (or pulling the plug) does not hand out fresh tries.
    daemon.terminate()
    daemon.start()
    again = call(daemon, "POST", "auth/login", json={"pin": PIN})
    assert again.status_code == 429 and 0 < again.json()["retry_after"] <= 30


def test_playback_can_require_the_token_too(daemon):
    token = set_pin(daemon).json()["data"]["token"]
    assert call(daemon, "PATCH", "settings", token=token, json={"playback_requires_token": True}).status_code == 200
    assert call(daemon, "GET", "auth/status").json()["data"]["playback_requires_token"] is True
    assert call(daemon, "POST", "player/stop").status_code == 401
    assert call(daemon, "POST", "player/stop", token=token).status_code == 200
    assert call(daemon, "PATCH", "settings", token=token, json={"playback_requires_token": False}).status_code == 200
    assert call(daemon, "POST", "player/stop").status_code == 200


def test_state_changes_from_a_foreign_origin_are_refused(daemon):
    foreign = call(daemon, "POST", "playlists", json={"title": "X"}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["details"]["reason"] == "foreign_origin"
    host = daemon.url.split("//")[1]
    assert call(daemon, "POST", "playlists", json={"title": "Y"}, headers={"Origin": f"http://{host}"}).status_code == 201
    # Reading is fine from anywhere (the browser's CORS rules still keep the answer from the page).
    assert call(daemon, "GET", "playlists", headers={"Origin": "http://evil.example"}).status_code == 200
    titles = [p["title"] for p in call(daemon, "GET", "playlists").json()["data"]["playlists"]]
    assert titles == ["Y"]


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]])
def test_socket_operations_need_the_token_given_as_auth(daemon, transports):
    token = set_pin(daemon).json()["data"]["token"]
    anonymous = Recorder(daemon.url, transports)
    parent = Recorder(daemon.url, transports, auth={"token": token})
    try:
        refused = anonymous.client.call("playlist:create", {"title": "Sneaky", "client_op_id": "a1"}, timeout=5)
        assert refused["success"] is False and refused["error_type"] == "unauthorized"
        assert wait_for(lambda: anonymous.received("err:op"))
        assert anonymous.client.call("start_nfc_link", {"playlist_id": "x"}, timeout=5)["error_type"] == "unauthorized"
        # Playback stays open.
        assert anonymous.client.call("player:stop", {}, timeout=5)["success"] is True
        made = parent.client.call("playlist:create", {"title": "By a parent"}, timeout=5)
        assert made["success"] is True
        titles = [p["title"] for p in call(daemon, "GET", "playlists").json()["data"]["playlists"]]
        assert titles == ["By a parent"]
    finally:
        anonymous.close()
        parent.close()


def test_the_log_is_readable_from_the_browser_by_parents(daemon):
    lines = call(daemon, "GET", "system/logs?lines=50").json()["data"]["lines"]
    assert any("listening on http://" in line for line in lines), lines[-5:]
    assert len(lines) <= 50
    assert call(daemon, "GET", "system/logs?lines=0").status_code == 400
    token = set_pin(daemon).json()["data"]["token"]
    assert call(daemon, "GET", "system/logs").status_code == 401
    recent = call(daemon, "GET", "system/logs?lines=5", token=token).json()["data"]["lines"]
    assert any("parent PIN set" in line or "parent logged in" in line for line in recent), recent


def test_a_cross_origin_websocket_to_the_box_is_refused(daemon):
    import websocket

    port = daemon.url.rsplit(":", 1)[1]
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
                                    origin="http://evil.example", timeout=5)
    assert refused.value.status_code in (400, 403)
    same = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket",
                                       origin=f"http://127.0.0.1:{port}", timeout=5)
    assert same.recv().startswith("0{")
    same.close()
