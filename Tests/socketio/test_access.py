"""The trust boundary, walked: every operation of the daemon's own table (`musicboxd operations`)
is called over HTTP and Socket.IO with no token, a wrong one, a revoked one, a foreign Origin, a
forged Host and every odd spelling of its path. Whatever needs a parent is refused with the
refusal's own status and changes nothing: the library, settings, logins, tags and upload sessions
are read before and after, as a parent."""
import http.client
import json
import os
import subprocess
import tempfile
import urllib.parse

import pytest
import requests
import socketio

from daemon import Daemon
from helpers import wait_for
from uploads import create_playlist, make_audio, open_session, upload

PIN = "2468"
TAG = "04a224b1"
EVIL = "evil.example"


def operations(binary):
    out = subprocess.run([binary, "operations"], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class Box:
    """A daemon with a library, a PIN, a parent token, a revoked one and an open upload session."""

    def __init__(self):
        self.daemon = Daemon()
        self.url = self.daemon.url
        self.port = int(self.url.rsplit(":", 1)[1])
        work = tempfile.mkdtemp(prefix="musicboxd-access-")
        self.playlist = create_playlist(self.daemon, "Bedtime")
        self.other = create_playlist(self.daemon, "Morning")
        song = make_audio(work, "Lullaby", "mp3", 2)
        assert upload(self.daemon, self.playlist, song).status_code == 201
        self.track = requests.get(f"{self.url}/api/playlists/{self.playlist}", timeout=5).json()["data"]["tracks"][0]["id"]
        assert requests.post(f"{self.url}/api/nfc/associate", json={"tag_id": TAG, "playlist_id": self.playlist},
                             timeout=5).status_code == 200
        assert requests.post(f"{self.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        self.token, self.token_id = self.login("parent")
        self.revoked, revoked_id = self.login("old phone")
        assert self.call("DELETE", f"/api/auth/tokens/{revoked_id}", token=self.token).status == 200
        # Playback needs the token too, so every operation but the open ones must be refused.
        assert self.call("PATCH", "/api/settings", {"playback_requires_token": True}, token=self.token).status == 200
        started = requests.post(f"{self.url}/api/playlists/{self.other}/uploads/session",
                                json={"filename": "Song.mp3", "file_size": 1000},
                                headers={"Authorization": f"Bearer {self.token}"}, timeout=5)
        assert started.status_code == 201, started.text
        self.session = started.json()["data"]["session_id"]

    def login(self, label):
        data = requests.post(f"{self.url}/api/auth/login", json={"pin": PIN, "label": label}, timeout=5).json()["data"]
        return data["token"], data["token_id"]

    def call(self, method, path, body=None, token=None, headers=None):
        """A request sent exactly as spelled (http.client normalises nothing)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        fields = {"Content-Type": "application/json", **(headers or {})}
        if token:
            fields["Authorization"] = f"Bearer {token}"
        payload = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        connection.request(method, path, body=payload, headers=fields)
        reply = connection.getresponse()
        reply.data = reply.read()
        connection.close()
        try:
            reply.json = json.loads(reply.data or b"null")
        except ValueError:
            reply.json = None
        return reply

    def snapshot(self):
        """Everything a stranger could try to change, read as a parent."""
        get = lambda path: self.call("GET", path, token=self.token).json["data"]  # noqa: E731
        playlists = get("/api/playlists?limit=1000")["playlists"]
        details = {p["id"]: get(f"/api/playlists/{p['id']}") for p in playlists}
        player = get("/api/player/status")
        tokens = sorted((t["id"], t["label"]) for t in get("/api/auth/tokens")["tokens"])
        reader = get("/api/nfc/status")
        upload = self.call("GET", f"/api/playlists/{self.other}/uploads/{self.session}", token=self.token).json["data"]
        return {
            "playlists": details, "settings": get("/api/settings"), "mqtt": get("/api/settings/mqtt"), "tokens": tokens, "pin": get("/api/auth/status")["pin_set"],
            "player": {k: player.get(k) for k in ("state", "volume", "muted", "active_playlist_id", "track_index", "repeat_mode",
                                                 "shuffle", "sleep_timer_mode")},
            "session": reader["session"], "upload": {k: upload.get(k) for k in ("received_chunks", "bytes_received")},
        }

    def concrete(self, path):
        values = {"{id}": self.playlist, "{track_id}": self.track, "{tag_id}": TAG, "{assoc_id}": "no-such-session",
                  "{session_id}": self.session, "{index}": "0", "{token_id}": self.token_id, "{cue}": "error", "{task_id}": "no-such-task"}
        if "/uploads/" in path:
            values["{id}"] = self.other
        for name, value in values.items():
            path = path.replace(name, value)
        return path

    def body(self, name):
        """A body the operation would accept: a refusal must come from the guard, not a 400."""
        return {
            "playlist.create": {"title": "Stranger's"}, "playlist.replace": {"title": "Renamed"}, "playlist.update": {"title": "Renamed"},
            "track.move": {"track_id": self.track, "target_playlist_id": self.other},
            "playlist.reorder": {"track_ids": [self.track]}, "tracks.delete": {"track_ids": [self.track]},
            "track.update": {"title": "Renamed"}, "stream.add": {"url": "http://127.0.0.1:9/radio.mp3"}, "link.add": {"url": "http://127.0.0.1:9/song.mp3"}, "feed.follow": {"url": "http://127.0.0.1:9/feed.xml"}, "upload.start": {"filename": "x.mp3", "file_size": 1000},
            "settings.replace": {"max_volume": 100, "quiet_hours_enabled": False, "playback_requires_token": False},
            "settings.update": {"max_volume": 100, "playback_requires_token": False},
            "settings.mqtt.update": {"enabled": True, "host": EVIL, "password": "stolen"},
            "nfc.link": {"tag_id": "0badc0de", "playlist_id": self.other, "force": True},
            "nfc.session.start": {"playlist_id": self.other, "timeout_s": 30},
            "player.play": {"playlist_id": self.playlist}, "player.seek": {"position_ms": 500},
            "player.volume": {"volume": 90}, "player.repeat": {"mode": "all"}, "player.shuffle": {"enabled": True},
            "player.sleep": {"mode": "minutes", "minutes": 5}, "playlist.start": {},
            "dev.nfc.place": {"tag_id": TAG}, "dev.controls.press": {"action": "play_pause"}, "dev.stall": {"seconds": 0},
            "system.logs": None, "auth.login": {"pin": "0000"}, "auth.pin.set": {"pin": "1111"}, "auth.pin.remove": {"current_pin": "0000"},
        }.get(name, {})


@pytest.fixture(scope="module")
def box():
    made = Box()
    yield made
    made.daemon.stop()


@pytest.fixture(scope="module")
def table():
    return operations(os.environ.get("MUSICBOXD_BINARY") or os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "musicboxd"))


def spellings(path):
    """Each non-canonical spelling of `path` the router might read as the same route."""
    first, _, rest = path[1:].partition("/")
    return ["/" + path, f"/{first}/./{rest}", "/" + path.replace("/", "//") + "//", path + "/", f"/{first}%2f{rest}",
            f"/{first}/{rest}".replace("/", "/%2F", 1) if rest else path + "%2f"]


def test_the_table_names_an_access_level_for_every_operation_and_covers_the_known_surface(table):
    assert len(table) > 60
    assert all(op["access"] in ("open", "playback", "parent") for op in table)
    routes = {f"{op['method']} {op['path']}" for op in table if "method" in op}
    for route in ("POST /api/playlists", "DELETE /api/playlists/{id}", "PATCH /api/settings", "POST /api/system/shutdown",
                  "GET /api/system/logs", "GET /api/auth/tokens", "DELETE /api/auth/tokens/{token_id}", "POST /api/dev/controls/press"):
        assert route in routes, route
    events = {op["event"] for op in table if "event" in op}
    assert {"player:pause", "playlist:create", "playlist:delete", "start_nfc_link", "override_nfc_tag"} <= events
    assert all(op["access"] == "parent" for op in table if op["development"])


def test_every_http_operation_refuses_every_kind_of_stranger_and_changes_nothing(box, table):
    before = box.snapshot()
    refusals = 0
    for op in (op for op in table if "method" in op):
        method, path = op["method"], box.concrete(op["path"])
        body = None if method in ("GET", "DELETE") and op["name"] not in ("tracks.delete", "auth.pin.remove") else box.body(op["name"])
        label = f"{op['name']} {method} {path}"
        if op["access"] != "open":
            for token, reason in ((None, "parent_token_required"), ("not-a-token", "token_invalid"), (box.revoked, "token_invalid")):
                reply = box.call(method, path, body, token=token)
                assert reply.status == 401, (label, token, reply.status, reply.data[:200])
                assert reply.json["error_type"] == "unauthorized" and reply.json["details"]["reason"] == reason, label
                refusals += 1
        if method not in ("GET", "HEAD"):
            reply = box.call(method, path, body, token=box.token, headers={"Origin": f"http://{EVIL}"})
            assert reply.status == 403 and reply.json["details"]["reason"] == "foreign_origin", (label, reply.status, reply.data[:200])
            refusals += 1
        # DNS rebinding: the page's own name as Host, and as Origin.
        reply = box.call(method, path, body, token=box.token,
                         headers={"Host": f"{EVIL}:{box.port}", "Origin": f"http://{EVIL}:{box.port}"})
        assert reply.status == 403 and reply.json["details"]["reason"] == "unknown_host", (label, reply.status, reply.data[:200])
        refusals += 1
        for odd in spellings(path):
            reply = box.call(method, odd, body)
            assert reply.status == 404, (label, odd, reply.status, reply.data[:200])
            assert reply.json["details"]["reason"] == "non_canonical_path", (label, odd)
            refusals += 1
    assert box.snapshot() == before
    print(f"{refusals} refused calls, nothing changed")


def connect(box, auth=None, headers=None, transports=("websocket",)):
    client = socketio.Client(reconnection=False)
    client.connect(box.url, auth=auth, headers=headers or {}, transports=list(transports), wait_timeout=5)
    return client


def test_every_socket_operation_refuses_a_stranger_and_changes_nothing(box, table):
    before = box.snapshot()
    guarded = [op for op in table if "event" in op and op["access"] != "open"]
    assert len(guarded) >= 15
    for auth in (None, {"token": "not-a-token"}, {"token": box.revoked}):
        client = connect(box, auth=auth)
        try:
            for op in guarded:
                fields = dict(box.body(op["name"]) or {})
                fields.update({"playlist_id": box.playlist, "tag_id": TAG, "force": True, "assoc_id": "x", "client_op_id": f"try-{op['name']}"})
                answer = client.call(op["event"], fields, timeout=5)
                assert answer["success"] is False and answer["error_type"] == "unauthorized", (op["event"], auth, answer)
        finally:
            client.disconnect()
    # The parent's token works over the same events (the refusals above were the guard's).
    client = connect(box, auth={"token": box.token})
    try:
        assert client.call("player:shuffle", {"enabled": False}, timeout=5)["success"] is True
    finally:
        client.disconnect()
    assert box.snapshot() == before


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_a_socket_from_a_foreign_page_or_a_rebound_name_is_refused_at_the_handshake(box, transport):
    for headers in ({"Origin": f"http://{EVIL}"}, {"Host": f"{EVIL}:{box.port}", "Origin": f"http://{EVIL}:{box.port}"}):
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(box, auth={"token": box.token}, headers=headers, transports=(transport,))
    # The polling handshake itself: 403, and no CORS answer for that origin.
    reply = requests.get(f"{box.url}/socket.io/?EIO=4&transport=polling", timeout=5,
                         headers={"Host": f"{EVIL}:{box.port}", "Origin": f"http://{EVIL}:{box.port}"})
    assert reply.status_code == 403 and "access-control-allow-origin" not in reply.headers


# --- Each reproduction of issue 18, items 1-3, as it was reported -------------------------------

def test_doubled_slashes_no_longer_skip_the_checks(box):
    before = box.snapshot()
    for method, path, body in (("POST", "//api/playlists", {"title": "x"}), ("DELETE", f"//api/playlists/{box.playlist}", None),
                               ("PATCH", "//api/settings", {"max_volume": 100, "quiet_hours_enabled": False}),
                               ("POST", "//api/system/shutdown", {}), ("GET", "//api/system/logs", None),
                               ("GET", "/api/auth//tokens", None), ("DELETE", f"/api/auth//tokens/{box.token_id}", None),
                               ("GET", "/api/system//logs", None), ("POST", "/api/playlists/", {"title": "x"})):
        reply = box.call(method, path, body, headers={"Content-Type": "text/plain"})
        assert reply.status == 404, (method, path, reply.status)
    assert box.snapshot() == before
    # The parent's own token still works on the plain path (the guard is not simply closed).
    assert box.call("GET", "/api/auth/tokens", token=box.token).status == 200


def test_a_rebound_name_cannot_pause_the_player():
    daemon = Daemon()  # no PIN: before the fix, any web page had full control
    try:
        port = daemon.url.rsplit(":", 1)[1]
        reply = requests.post(f"{daemon.url}/api/player/pause", json={}, timeout=5,
                              headers={"Host": f"{EVIL}:{port}", "Origin": f"http://{EVIL}:{port}"})
        assert reply.status_code == 403 and reply.json()["details"]["reason"] == "unknown_host"
        # The box's own names still work: localhost, and the names the parents add.
        assert requests.post(f"{daemon.url}/api/player/pause", json={}, headers={"Host": f"localhost:{port}"}, timeout=5).status_code == 200
        assert requests.get(f"{daemon.url}/", headers={"Host": f"{EVIL}:{port}"}, timeout=5).status_code == 403
    finally:
        daemon.stop()
    daemon = Daemon(env_extra={"MUSICBOXD_SERVER_ALLOWED_HOSTS": "musicbox.home.arpa"})
    try:
        port = daemon.url.rsplit(":", 1)[1]
        assert requests.post(f"{daemon.url}/api/player/pause", json={}, timeout=5,
                             headers={"Host": f"musicbox.home.arpa:{port}", "Origin": f"http://musicbox.home.arpa:{port}"}).status_code == 200
    finally:
        daemon.stop()


def test_no_dev_route_outside_the_simulation():
    work = tempfile.mkdtemp(prefix="musicboxd-nodev-")
    # auto on a box without buttons or a reader: its parts fall back to simulated ones, but no hand
    # from the network may press or place them. (The helper asks for dev routes: they must still be absent.)
    daemon = Daemon(hardware="auto", env_extra={"MUSICBOXD_AUDIO_DEVICE": "null", "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{work}/none",
                                                "LIBNFC_AUTO_SCAN": "false", "HOME": work, "XDG_RUNTIME_DIR": work})
    try:
        for method, path, body in (("POST", "/api/dev/controls/press", {"action": "volume_up"}), ("POST", "/api/dev/nfc/place", {"tag_id": TAG}),
                                   ("POST", "/api/dev/nfc/remove", {}), ("POST", "/api/dev/stall", {"seconds": 1}), ("GET", "/api/dev/sounds", None)):
            reply = requests.request(method, f"{daemon.url}{path}", json=body, timeout=5)
            assert reply.status_code == 404, (path, reply.status_code)
    finally:
        daemon.stop()
    # sim without server.dev_routes: none either.
    daemon = Daemon(env_extra={"MUSICBOXD_SERVER_DEV_ROUTES": "off"})
    try:
        assert requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": TAG}, timeout=5).status_code == 404
    finally:
        daemon.stop()


def test_dev_routes_never_switch_off_never_pass_the_cap_and_never_stack():
    daemon = Daemon()
    try:
        url = daemon.url
        refused = requests.post(f"{url}/api/dev/controls/press", json={"action": "shutdown"}, timeout=5)
        assert refused.status_code == 400 and refused.json()["details"]["field"] == "action"
        assert requests.patch(f"{url}/api/settings", json={"max_volume": 40}, timeout=5).status_code == 200
        for _ in range(30):
            requests.post(f"{url}/api/dev/controls/press", json={"action": "volume_up"}, timeout=5).raise_for_status()
        assert wait_for(lambda: requests.get(f"{url}/api/player/status", timeout=5).json()["data"]["volume"] == 40)
        assert requests.get(f"{url}/api/player/status", timeout=5).json()["data"]["volume"] <= 40
        assert requests.post(f"{url}/api/dev/stall", json={"seconds": 1}, timeout=5).status_code == 200
        stacked = requests.post(f"{url}/api/dev/stall", json={"seconds": 1}, timeout=5)
        assert stacked.status_code == 409, stacked.text
        # With a PIN, a stranger's tag placed during a parent's linking session is refused.
        assert requests.post(f"{url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        placed = requests.post(f"{url}/api/dev/nfc/place", json={"tag_id": TAG}, timeout=5)
        assert placed.status_code == 401
    finally:
        daemon.stop()


# --- Item 4: upload slots ------------------------------------------------------------------------

def test_upload_sessions_are_told_to_parents_only_and_parents_can_free_the_slots(box):
    from helpers import Recorder
    stranger = Recorder(box.url, ["websocket"])
    parent = Recorder(box.url, ["websocket"], auth={"token": box.token})
    try:
        for client in (stranger, parent):
            assert client.client.call("join:playlists", {}, timeout=5)["success"] is True
        auth = {"Authorization": f"Bearer {box.token}"}
        opened = requests.post(f"{box.url}/api/playlists/{box.playlist}/uploads/session",
                               json={"filename": "Told.wav", "file_size": 70_000, "chunk_size": 65_536}, headers=auth, timeout=5)
        assert opened.status_code == 201, opened.text
        sid = opened.json()["data"]["session_id"]
        chunk = requests.put(f"{box.url}/api/playlists/{box.playlist}/uploads/{sid}/chunks/0", data=b"\0" * 65_536,
                             headers={**auth, "Content-Type": "application/octet-stream"}, timeout=5)
        assert chunk.status_code == 200, chunk.text
        assert wait_for(lambda: any(e[0]["session_id"] == sid for e in parent.received("upload:progress")))
        assert not stranger.received("upload:progress"), "a socket without a parent token overheard a session id"
        # Nor can a stranger read it by HTTP.
        assert requests.get(f"{box.url}/api/playlists/{box.playlist}/uploads/{sid}", timeout=5).status_code == 401
        # Parents list every session and free them all.
        listed = requests.get(f"{box.url}/api/uploads", headers=auth, timeout=5).json()["data"]["sessions"]
        assert {s["session_id"] for s in listed} >= {sid, box.session}
        mine = next(s for s in listed if s["session_id"] == sid)
        assert mine["client"] == f"token:{box.token_id}" and mine["bytes_received"] == 65_536
        assert requests.get(f"{box.url}/api/uploads", timeout=5).status_code == 401
        assert requests.delete(f"{box.url}/api/uploads", timeout=5).status_code == 401
    finally:
        stranger.close()
        parent.close()


def test_one_client_cannot_take_every_upload_slot():
    daemon = Daemon(env_extra={"MUSICBOXD_UPLOADS_MAX_SESSIONS_PER_CLIENT": "2"})
    try:
        playlist = create_playlist(daemon, "Slots")
        for name in ("a.mp3", "b.mp3"):
            assert open_session(daemon, playlist, name, 1 << 30).status_code == 201
        third = open_session(daemon, playlist, "c.mp3", 1 << 30)
        assert third.status_code == 409 and third.json()["details"]["reason"] == "too_many_uploads_of_yours"
        listed = requests.get(f"{daemon.url}/api/uploads", timeout=5).json()["data"]["sessions"]
        assert [s["client"] for s in listed] == ["address:127.0.0.1"] * 2
        cancelled = requests.delete(f"{daemon.url}/api/uploads", timeout=5).json()["data"]["cancelled"]
        assert len(cancelled) == 2 and requests.get(f"{daemon.url}/api/uploads", timeout=5).json()["data"]["sessions"] == []
        assert open_session(daemon, playlist, "c.mp3", 1 << 30).status_code == 201
    finally:
        daemon.stop()


# --- Item 5: names from files and clients --------------------------------------------------------

def test_names_from_files_and_clients_are_capped_cleaned_or_refused():
    daemon = Daemon()
    work = tempfile.mkdtemp(prefix="musicboxd-names-")
    try:
        meta = os.path.join(work, "meta.txt")
        with open(meta, "w") as out:
            out.write(";FFMETADATA1\ntitle=" + "la " * 350_000 + "\nartist=Evil\u202eOne\u200b\nalbum=Lullabies\n")
        song = os.path.join(work, "long.flac")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=2", "-i", meta,
                        "-map", "0:a", "-map_metadata", "1", "-c:a", "flac", song], check=True)
        playlist = create_playlist(daemon, "Names")
        reply = upload(daemon, playlist, song)
        assert reply.status_code == 201, reply.text[:300]
        data = reply.json()["data"]
        assert 0 < len(data["track"]["title"]) <= 200 and data["track"]["title"].startswith("la la")
        assert data["track"]["artist"] == "EvilOne" and data["track"]["album"] == "Lullabies"
        assert [w["code"] for w in data["warnings"]] == ["tag_truncated"]
        assert len(requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).content) < 20_000
        # Typed names that hide something are refused, naming the field.
        for title in ("Bed\u202etime", "zero\u200bwidth", "new\nline"):
            refused = requests.post(f"{daemon.url}/api/playlists", json={"title": title}, timeout=5)
            assert refused.status_code == 400 and refused.json()["details"]["field"] == "title", title
        # A login label cannot forge a log line; without a label the device is named, not the raw agent.
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        forged = "Mum\n2026-12-01T20:00:00+0000 critical musicboxd : forged"
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN, "label": forged}, timeout=5).json()["data"]["token"]
        requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN}, timeout=5,
                      headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"})
        auth = {"Authorization": f"Bearer {token}"}
        labels = [t["label"] for t in requests.get(f"{daemon.url}/api/auth/tokens", headers=auth, timeout=5).json()["data"]["tokens"]]
        assert "Chrome on Android" in labels and all("\n" not in label for label in labels)
        lines = requests.get(f"{daemon.url}/api/system/logs?lines=1000", headers=auth, timeout=5).json()["data"]["lines"]
        assert not any(str(line).lstrip().startswith("2026-12-01T20:00:00") for line in lines)
    finally:
        daemon.stop()


def test_a_client_op_id_belongs_to_the_client_that_sent_it():
    from helpers import Recorder
    daemon = Daemon()
    first, second = Recorder(daemon.url, ["websocket"]), Recorder(daemon.url, ["websocket"])
    try:
        a = first.client.call("playlist:create", {"title": "Alice's", "client_op_id": "op-1"}, timeout=5)
        b = second.client.call("playlist:create", {"title": "Bob's", "client_op_id": "op-1"}, timeout=5)
        assert a["success"] and b["success"] and a["data"]["id"] != b["data"]["id"], (a, b)
        # The same client sending it again gets its own first answer back.
        again = first.client.call("playlist:create", {"title": "Alice's", "client_op_id": "op-1"}, timeout=5)
        assert again["data"]["id"] == a["data"]["id"]
        titles = sorted(p["title"] for p in requests.get(f"{daemon.url}/api/playlists", timeout=5).json()["data"]["playlists"])
        assert titles == ["Alice's", "Bob's"]
        # Over HTTP, two parent logins are two clients too.
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        tokens = [requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN}, timeout=5).json()["data"]["token"] for _ in range(2)]
        made = [requests.post(f"{daemon.url}/api/playlists", json={"title": f"By {i}", "client_op_id": "op-2"},
                              headers={"Authorization": f"Bearer {t}"}, timeout=5).json()["data"]["id"] for i, t in enumerate(tokens)]
        assert made[0] != made[1]
    finally:
        first.close()
        second.close()
        daemon.stop()
