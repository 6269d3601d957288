"""The real musicboxd binary speaking the real-time contract (CONTRACT §1–§4) to python-socketio clients."""
import signal
import statistics
import threading
import time
import uuid

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for


@pytest.fixture
def daemon():
    process = Daemon()
    yield process
    process.stop()


def state_events(client, name):
    """The envelopes of one state event type, in arrival order."""
    return [args[0] for args in client.received(name)]


def join(client, event, payload=None):
    """Joins a room through the acknowledgement callback and returns the ack payload."""
    return client.client.call(event, payload or {}, timeout=5)


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
    created = requests.post(f"{daemon.url}/api/playlists", json={"title": "Bedtime"}, timeout=5).json()
    later = Recorder(daemon.url, transports)
    try:
        assert wait_for(lambda: later.received("connection_status"))
        assert later.received("connection_status")[0][0]["server_seq"] == created["server_seq"]
    finally:
        later.close()


def test_a_rename_reaches_every_joined_client_with_the_same_seq(daemon, transports):
    """(a) Two clients in `playlists`; one renames over HTTP; both get state:playlists with the HTTP response's server_seq."""
    playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Old"}, timeout=5).json()["data"]
    clients = [Recorder(daemon.url, transports) for _ in range(2)]
    try:
        for client in clients:
            ack = join(client, "join:playlists")
            assert ack["success"] is True and ack["room"] == "playlists"
            # Snapshots first, then the ack, on the named events too.
            assert wait_for(lambda: client.received("ack:join"))
            assert [e for e, _ in client.events if e in ("state:playlists", "state:player", "ack:join")] == \
                ["state:playlists", "state:player", "ack:join"]
            assert state_events(client, "state:playlists")[0]["data"]["playlists"][0]["title"] == "Old"
            assert state_events(client, "state:player")[0]["data"]["state"] == "stopped"
        joined_playlist = join(clients[0], "join:playlist", {"playlist_id": playlist["id"]})
        assert joined_playlist["success"] is True and joined_playlist["playlist_id"] == playlist["id"]

        sid = clients[0].client.get_sid()
        reply = requests.put(f"{daemon.url}/api/playlists/{playlist['id']}",
                             json={"title": "New", "client_op_id": "rename-1"}, headers={"X-Socket-ID": sid}, timeout=5)
        assert reply.status_code == 200
        body = reply.json()
        seq = body["server_seq"]
        for client in clients:
            assert wait_for(lambda: len(state_events(client, "state:playlists")) == 2)
            event = state_events(client, "state:playlists")[1]
            assert event["server_seq"] == seq
            assert event["event_type"] == "state:playlists"
            assert event["data"]["playlists"][0]["title"] == "New"
            assert {"event_type", "server_seq", "server_epoch", "data", "timestamp", "event_id"} <= set(event)
        # The playlist room got the full playlist with the same number and its playlist_seq.
        assert wait_for(lambda: len(state_events(clients[0], "state:playlist")) == 2)
        detail = state_events(clients[0], "state:playlist")[1]
        assert detail["server_seq"] == seq and detail["playlist_id"] == playlist["id"]
        assert detail["playlist_seq"] == joined_playlist["playlist_seq"] + 1
        assert detail["data"]["tracks"] == []
        assert not state_events(clients[1], "state:playlist")
        # ack:op went to the requesting socket alone.
        assert wait_for(lambda: clients[0].received("ack:op"))
        (ack,) = clients[0].received("ack:op")[0]
        assert ack == {"client_op_id": "rename-1", "success": True, "data": body["data"], "server_seq": seq}
        time.sleep(0.2)
        assert not clients[1].received("ack:op")
    finally:
        for client in clients:
            client.close()


def test_clients_that_ask_for_deltas_get_one_playlist_per_change(daemon, transports):
    """`join:playlists {deltas: true}`: a change of one playlist comes as `state:playlist_updated
    {playlist}` (same server_seq as the HTTP answer) instead of the whole `state:playlists`, which
    the other members still get; a deletion is `state:playlist_deleted` alone; a replay after a
    reconnect with `deltas: true` is deltas too."""
    ids = [requests.post(f"{daemon.url}/api/playlists", json={"title": f"P{i}"}, timeout=5).json()["data"]["id"]
           for i in range(3)]
    delta, whole = Recorder(daemon.url, transports), Recorder(daemon.url, transports)
    try:
        ack = join(delta, "join:playlists", {"deltas": True})
        assert ack["success"] is True and ack["room"] == "playlists"
        join(whole, "join:playlists")
        # Both start from the whole collection.
        assert [p["title"] for p in state_events(delta, "state:playlists")[0]["data"]["playlists"]] == ["P0", "P1", "P2"]
        epoch = delta.received("connection_status")[0][0]["server_epoch"]

        renamed = requests.patch(f"{daemon.url}/api/playlists/{ids[1]}", json={"title": "Renamed"}, timeout=5).json()
        created = requests.post(f"{daemon.url}/api/playlists", json={"title": "P3"}, timeout=5).json()
        deleted = requests.delete(f"{daemon.url}/api/playlists/{ids[0]}", timeout=5).json()
        assert wait_for(lambda: len(state_events(whole, "state:playlists")) == 4)
        assert wait_for(lambda: delta.received("state:playlist_deleted"))
        time.sleep(0.2)
        assert len(state_events(delta, "state:playlists")) == 1, "no whole collection after the join"
        updates = state_events(delta, "state:playlist_updated")
        assert [u["server_seq"] for u in updates] == [renamed["server_seq"], created["server_seq"]]
        assert updates[0]["data"]["playlist"]["id"] == ids[1] and updates[0]["data"]["playlist"]["title"] == "Renamed"
        assert updates[1]["data"]["playlist"]["title"] == "P3" and updates[1]["data"]["playlist"]["position"] == 3
        assert {"event_type", "server_seq", "server_epoch", "data", "timestamp", "event_id"} <= set(updates[0])
        (gone,) = state_events(delta, "state:playlist_deleted")
        assert gone["server_seq"] == deleted["server_seq"] and gone["data"]["playlist_id"] == ids[0]
        # The others got every change as the whole collection, with the same numbers.
        assert [e["server_seq"] for e in state_events(whole, "state:playlists")[1:]] == \
            [renamed["server_seq"], created["server_seq"], deleted["server_seq"]]
        assert not whole.received("state:playlist_updated")
        last = updates[0]["server_seq"]
    finally:
        delta.close()
        whole.close()

    again = Recorder(daemon.url, transports)
    try:
        done = again.client.call("sync:request", {"last_global_seq": last, "requested_rooms": ["playlists"],
                                                  "server_epoch": epoch, "deltas": True}, timeout=5)
        assert done["mode"] == "replay" and done["synced_rooms"] == ["playlists"]
        names = [e for e, _ in again.events if e not in ("connection_status",)]
        assert names == ["state:playlist_updated", "state:playlist_deleted", "sync:complete"]
        # Joined with deltas: the next change comes as a delta too.
        requests.patch(f"{daemon.url}/api/playlists/{ids[2]}", json={"title": "live"}, timeout=5)
        assert wait_for(lambda: len(state_events(again, "state:playlist_updated")) == 2)
        assert not state_events(again, "state:playlists")
        bad = join(again, "join:playlists", {"deltas": "yes"})
        assert bad["success"] is False and bad["error_type"] == "validation_error", bad
    finally:
        again.close()


def test_reconnecting_client_gets_exactly_the_missed_events(daemon, transports):
    """(b) Disconnect, five changes, reconnect with sync:request: the five events in order, then sync:complete replay."""
    playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "T0"}, timeout=5).json()["data"]
    first = Recorder(daemon.url, transports)
    join(first, "join:playlists")
    last_seq = max(e["server_seq"] for e in state_events(first, "state:playlists"))
    epoch = first.received("connection_status")[0][0]["server_epoch"]
    first.close()

    expected = []
    for index in range(1, 6):
        reply = requests.patch(f"{daemon.url}/api/playlists/{playlist['id']}", json={"title": f"T{index}"}, timeout=5)
        expected.append(reply.json()["server_seq"])

    again = Recorder(daemon.url, transports)
    try:
        done = again.client.call("sync:request", {"last_global_seq": last_seq, "requested_rooms": ["playlists"],
                                                  "server_epoch": epoch}, timeout=5)
        assert done["mode"] == "replay"
        assert done["synced_rooms"] == ["playlists"]
        assert wait_for(lambda: again.received("sync:complete"))
        names = [e for e, _ in again.events if e not in ("connection_status",)]
        assert names == ["state:playlists"] * 5 + ["sync:complete"]
        replayed = state_events(again, "state:playlists")
        assert [e["server_seq"] for e in replayed] == expected
        assert [e["data"]["playlists"][0]["title"] for e in replayed] == [f"T{i}" for i in range(1, 6)]
        # Now joined: the next change arrives live.
        requests.patch(f"{daemon.url}/api/playlists/{playlist['id']}", json={"title": "live"}, timeout=5)
        assert wait_for(lambda: len(state_events(again, "state:playlists")) == 6)
    finally:
        again.close()


def test_sync_older_than_the_log_gets_snapshots(daemon):
    """(c) The log keeps 1000 events (each rename makes two): a client 600 renames behind gets snapshots."""
    playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Many"}, timeout=5).json()["data"]
    client = Recorder(daemon.url, ["websocket"])
    try:
        ack = join(client, "join:playlists")
        start = ack["server_seq"]
        client.client.call("leave:playlists", {}, timeout=5)
        with requests.Session() as http:
            for index in range(600):
                http.patch(f"{daemon.url}/api/playlists/{playlist['id']}", json={"title": f"v{index}"}, timeout=5)
        done = client.client.call("sync:request", {"last_global_seq": start,
                                                   "requested_rooms": ["playlists", f"playlist:{playlist['id']}"]},
                                  timeout=5)
        assert done["mode"] == "snapshot"
        assert done["server_seq"] == start + 600
        assert wait_for(lambda: client.received("sync:complete"))
        after_leave = [e for e, _ in client.events][client.events.index(next(x for x in client.events if x[0] == "ack:leave")) + 1:]
        assert after_leave == ["state:playlists", "state:player", "state:playlist", "sync:complete"]
        snapshot = state_events(client, "state:playlists")[-1]
        assert snapshot["server_seq"] == start + 600
        assert snapshot["data"]["playlists"][0]["title"] == "v599"
        # A recent position still replays.
        recent = client.client.call("sync:request", {"last_global_seq": start + 598, "requested_rooms": ["playlists"]}, timeout=5)
        assert recent["mode"] == "replay"
    finally:
        client.close()


def test_malformed_sync_and_unknown_playlist_are_clear_errors(daemon):
    client = Recorder(daemon.url, ["websocket"])
    try:
        for bad in [{}, {"last_global_seq": -1}, {"last_global_seq": "x"}, {"last_global_seq": 0, "requested_rooms": ["kitchen"]}, "nope"]:
            reply = client.client.call("sync:request", bad, timeout=5)
            assert reply["error_type"] == "validation_error" and reply["error"]
        assert wait_for(lambda: len(client.received("sync:error")) == 5)
        missing = str(uuid.uuid4())
        reply = join(client, "join:playlist", {"playlist_id": missing})
        assert reply == {"success": False, "message": f"No playlist with id {missing}.", "error_type": "not_found",
                         "room": f"playlist:{missing}", "playlist_id": missing}
        assert join(client, "join:playlist", {})["error_type"] == "validation_error"
    finally:
        client.close()


def test_ping_current_state_and_health(daemon, transports):
    client = Recorder(daemon.url, transports)
    try:
        sent = int(time.time() * 1000)
        ack = client.client.call("client_ping", {"timestamp": sent}, timeout=5)
        assert ack["timestamp"] == sent and ack["latency"] >= 0 and abs(ack["server_time"] - sent) < 5000
        assert wait_for(lambda: client.received("client_pong"))
        pong = client.received("client_pong")[0][0]
        assert pong["timestamp"] == sent and pong["server_seq"] == 0

        state = client.client.call("client:request_current_state", {}, timeout=5)
        assert state["event_type"] == "state:player" and state["data"]["state"] == "stopped"
        assert wait_for(lambda: client.received("state:player"))

        nfc = join(client, "join:nfc")
        assert nfc == {"room": "nfc", "success": True, "server_seq": 0, "message": "Joined nfc"}
        left = client.client.call("leave:nfc", {}, timeout=5)
        assert left["room"] == "nfc" and left["success"] is True
        assert wait_for(lambda: client.received("ack:leave"))

        health = client.client.call("health_check", {}, timeout=5)
        assert health["status"] == "healthy"
        assert health["components"] == {"database": "connected", "storage": "available", "audio": "simulated",
                                         "nfc": "simulated", "gpio": "simulated", "links": "available"}
        assert wait_for(lambda: client.received("health_status"))
    finally:
        client.close()


def test_socket_operations_are_idempotent_and_acknowledged(daemon):
    client = Recorder(daemon.url, ["websocket"])
    try:
        join(client, "join:playlists")
        first = client.client.call("playlist:create", {"title": "Songs", "client_op_id": "c-1"}, timeout=5)
        again = client.client.call("playlist:create", {"title": "Songs", "client_op_id": "c-1"}, timeout=5)
        assert first["success"] is True and first == again
        listing = requests.get(f"{daemon.url}/api/playlists", timeout=5).json()["data"]
        assert listing["total"] == 1
        assert wait_for(lambda: len(client.received("ack:op")) == 2)
        assert len(state_events(client, "state:playlists")) == 2  # the snapshot and one change

        failed = client.client.call("player:seek", {"position_ms": 10, "client_op_id": "s-1"}, timeout=5)
        assert failed["success"] is False and failed["error_type"] == "conflict" and failed["client_op_id"] == "s-1"
        bad = client.client.call("player:volume", {"volume": "loud", "client_op_id": "v-1"}, timeout=5)
        assert bad["error_type"] == "validation_error" and "volume" in bad["message"]
        assert wait_for(lambda: len(client.received("err:op")) == 2)
        malformed = client.client.call("playlist:create", {"title": "x", "client_op_id": ""}, timeout=5)
        assert malformed["error_type"] == "validation_error" and malformed["client_op_id"] is None
        assert requests.get(f"{daemon.url}/api/playlists", timeout=5).json()["data"]["total"] == 1

        # HTTP replays too: the same client_op_id gets the same answer and nothing happens twice.
        one = requests.post(f"{daemon.url}/api/playlists", json={"title": "Twice", "client_op_id": "h-1"}, timeout=5).json()
        two = requests.post(f"{daemon.url}/api/playlists", json={"title": "Twice", "client_op_id": "h-1"}, timeout=5).json()
        assert one == two
        assert requests.get(f"{daemon.url}/api/playlists", timeout=5).json()["data"]["total"] == 2
    finally:
        client.close()


def test_200_operations_from_20_clients_are_seen_in_one_order(daemon):
    """20 clients each rename one playlist 10 times at once: 200 events, 200 consecutive numbers, one order for all."""
    playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Shared"}, timeout=5).json()["data"]
    clients = [Recorder(daemon.url, ["websocket"]) for _ in range(20)]
    try:
        for client in clients:
            join(client, "join:playlists")
        start = state_events(clients[0], "state:playlists")[0]["server_seq"]

        def send(client, index):
            for op in range(10):
                client.client.emit("playlist:update", {"playlist_id": playlist["id"], "title": f"c{index}-{op}",
                                                       "client_op_id": f"{index}-{op}"})

        threads = [threading.Thread(target=send, args=(client, index)) for index, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for client in clients:
            assert wait_for(lambda: len(state_events(client, "state:playlists")) == 201, timeout=30)
        events = [state_events(client, "state:playlists")[1:] for client in clients]
        assert [e["server_seq"] for e in events[0]] == list(range(start + 1, start + 201))
        assert all([e["event_id"] for e in got] == [e["event_id"] for e in events[0]] for got in events)
        # Every operation landed once, in the order of the numbers.
        titles = [e["data"]["playlists"][0]["title"] for e in events[0]]
        assert sorted(titles) == sorted(f"c{i}-{op}" for i in range(20) for op in range(10))
        # Each client got an ack:op for each of its own ten operations, and none of the others'.
        for index, client in enumerate(clients):
            assert wait_for(lambda: len(client.received("ack:op")) == 10)
            assert sorted(a[0]["client_op_id"] for a in client.received("ack:op")) == [f"{index}-{op}" for op in range(10)]
    finally:
        for client in clients:
            client.close()


def test_collection_events_carry_every_playlist(daemon):
    """state:playlists has no 50-item cap."""
    with requests.Session() as http:
        for index in range(60):
            http.post(f"{daemon.url}/api/playlists", json={"title": f"p{index}"}, timeout=5)
    client = Recorder(daemon.url, ["websocket"])
    try:
        join(client, "join:playlists")
        assert [p["title"] for p in state_events(client, "state:playlists")[0]["data"]["playlists"]] == [f"p{i}" for i in range(60)]
    finally:
        client.close()


def test_position_ticks_every_200ms_while_playing(daemon):
    """(d) Over 10 s of playing: mean interval 200 ± 5 ms, no gap over 260 ms; none while paused."""
    playlist_id = daemon.seed_playlist("Lullabies", [600_000, 600_000])
    client = Recorder(daemon.url, ["websocket"])
    try:
        join(client, "join:playlists")
        ticks = []
        lock = threading.Lock()

        @client.client.on("state:track_position")
        def tick(event):
            with lock:
                ticks.append((time.monotonic(), event))

        played = requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist_id}, timeout=5).json()
        assert played["data"]["state"] == "playing"
        time.sleep(10.1)
        paused = requests.post(f"{daemon.url}/api/player/pause", timeout=5).json()
        assert paused["data"]["state"] == "paused"
        time.sleep(0.3)
        with lock:
            during = [t for t in ticks if t[1]["data"]["is_playing"]]
            final = [t for t in ticks if not t[1]["data"]["is_playing"]]
            count = len(ticks)
        intervals = [(b[0] - a[0]) * 1000 for a, b in zip(during, during[1:])]
        mean = statistics.mean(intervals)
        print(f"ticks={len(during)} mean={mean:.2f} ms max={max(intervals):.1f} ms min={min(intervals):.1f} ms")
        assert len(during) >= 49
        assert abs(mean - 200) <= 5
        assert max(intervals) <= 260
        assert len(final) == 1 and final[0][1]["data"]["position_ms"] == paused["data"]["position_ms"]
        event = during[-1][1]
        assert event["server_seq"] == played["server_seq"]
        assert set(event["data"]) == {"position_ms", "track_id", "is_playing", "duration_ms"}
        positions = [t[1]["data"]["position_ms"] for t in during]
        assert positions == sorted(positions) and 9500 <= positions[-1] <= 10_500
        time.sleep(1.0)
        with lock:
            assert len(ticks) == count  # none while paused
    finally:
        client.close()


def test_sigterm_tells_clients_and_exits_cleanly(daemon, transports):
    client = Recorder(daemon.url, transports)
    assert wait_for(lambda: client.received("connection_status"))
    daemon.proc.send_signal(signal.SIGTERM)
    assert wait_for(lambda: client.disconnects, timeout=3)
    assert daemon.proc.wait(timeout=10) == 0


def test_player_settings_and_tag_routes(daemon):
    """CONTRACT §7 routes drive the manager; each change reaches `playlists` as the matching state event."""
    playlist_id = daemon.seed_playlist("Stories", [120_000, 120_000])
    url = daemon.url
    client = Recorder(url, ["websocket"])
    try:
        join(client, "join:playlists")
        nothing = requests.post(f"{url}/api/player/play", timeout=5)
        assert nothing.status_code == 409 and nothing.json()["error_type"] == "conflict"
        started = requests.post(f"{url}/api/playlists/{playlist_id}/start", json={"track_index": 1}, timeout=5).json()
        assert started["data"]["track_index"] == 1 and started["data"]["state"] == "playing"
        assert requests.post(f"{url}/api/player/next", timeout=5).status_code == 409  # last track, no repeat
        assert requests.post(f"{url}/api/player/repeat", json={"mode": "all"}, timeout=5).json()["data"]["can_next"] is True
        assert requests.post(f"{url}/api/player/next", timeout=5).json()["data"]["track_index"] == 0
        bad = requests.post(f"{url}/api/player/repeat", json={"mode": "sometimes"}, timeout=5)
        assert bad.status_code == 400 and bad.json()["details"]["field"] == "mode"
        assert requests.post(f"{url}/api/player/volume", json={"volume": 101}, timeout=5).status_code == 400
        seek = requests.post(f"{url}/api/player/seek", json={"position_ms": 60_000}, timeout=5).json()
        assert 60_000 <= seek["data"]["position_ms"] < 61_000
        status = requests.get(f"{url}/api/player/status", timeout=5).json()
        assert status["server_seq"] == seek["server_seq"] and status["data"]["active_playlist_id"] == playlist_id

        # Lowering max_volume turns the box down at once; clients see it in state:player.
        saved = requests.put(f"{url}/api/settings", json={"max_volume": 40}, timeout=5).json()
        assert saved["data"] == {"max_volume": 40, "min_volume": 0, "startup_volume": 50, "startup_volume_after_idle_minutes": 0, "tag_removal": "pause", "tag_again": "continue", "start_over_after_hours": 24,
                                 "playback_requires_token": False, "sleep_timer_minutes": 30, "quiet_hours_enabled": False,
                                 "quiet_hours_start": "19:30", "quiet_hours_end": "07:00", "quiet_hours_max_volume": 30,
                                 "feedback_sounds": True, "feedback_volume": 30, "toddler_lock_mode": "all", "daily_limit_minutes": 0, "box_name": ""}
        assert wait_for(lambda: any(e["server_seq"] == saved["server_seq"] for e in state_events(client, "state:player")))
        player = next(e for e in state_events(client, "state:player") if e["server_seq"] == saved["server_seq"])
        assert player["data"]["max_volume"] == 40 and player["data"]["volume"] == 40
        assert requests.post(f"{url}/api/player/volume", json={"volume": 90}, timeout=5).json()["data"]["volume"] == 40
        assert requests.get(f"{url}/api/settings", timeout=5).json()["data"]["max_volume"] == 40

        # Tag links: conflict names the other playlist; force moves it; clients see nfc_tag_id.
        other = requests.post(f"{url}/api/playlists", json={"title": "Other"}, timeout=5).json()["data"]["id"]
        linked = requests.post(f"{url}/api/nfc/associate", json={"tag_id": "04A224B1", "playlist_id": playlist_id}, timeout=5).json()
        assert linked["data"] == {"tag_id": "04a224b1", "playlist_id": playlist_id, "previous_playlist_id": None}
        conflict = requests.post(f"{url}/api/nfc/associate", json={"tag_id": "04:a2:24:b1", "playlist_id": other}, timeout=5)
        assert conflict.status_code == 409 and conflict.json()["details"]["conflict_playlist_id"] == playlist_id
        moved = requests.post(f"{url}/api/nfc/associate", json={"tag_id": "04a224b1", "playlist_id": other, "force": True},
                              timeout=5).json()
        assert wait_for(lambda: any(e["server_seq"] == moved["server_seq"] for e in state_events(client, "state:playlists")))
        collection = next(e for e in state_events(client, "state:playlists") if e["server_seq"] == moved["server_seq"])
        tags = {p["id"]: p["nfc_tag_id"] for p in collection["data"]["playlists"]}
        assert tags == {playlist_id: None, other: "04a224b1"}
        assert requests.delete(f"{url}/api/nfc/associate/04a224b1", timeout=5).status_code == 200
        assert requests.delete(f"{url}/api/nfc/associate/04a224b1", timeout=5).status_code == 404
        assert requests.post(f"{url}/api/nfc/associate", json={"tag_id": "zz", "playlist_id": other}, timeout=5).status_code == 400
    finally:
        client.close()


def test_track_edit_routes_reach_the_playlist_rooms(daemon):
    first = daemon.seed_playlist("First", [30_000, 40_000, 50_000])
    second = daemon.seed_playlist("Second", [60_000])
    url = daemon.url
    tracks = requests.get(f"{url}/api/playlists/{first}", timeout=5).json()["data"]["tracks"]
    ids = [t["id"] for t in tracks]
    client = Recorder(url, ["websocket"])
    try:
        join(client, "join:playlist", {"playlist_id": first})
        join(client, "join:playlist", {"playlist_id": second})

        reordered = requests.post(f"{url}/api/playlists/{first}/reorder", json={"track_ids": ids[::-1]}, timeout=5).json()
        assert [t["id"] for t in reordered["data"]["tracks"]] == ids[::-1]
        assert [t["track_number"] for t in reordered["data"]["tracks"]] == [1, 2, 3]
        bad = requests.post(f"{url}/api/playlists/{first}/reorder", json={"track_ids": ids[:2]}, timeout=5)
        assert bad.status_code == 400 and bad.json()["details"]["field"] == "track_ids"

        edited = requests.patch(f"{url}/api/playlists/{first}/tracks/{ids[0]}", json={"title": "Renamed", "artist": "Dad"},
                                timeout=5).json()
        assert edited["data"]["title"] == "Renamed" and edited["data"]["artist"] == "Dad"
        assert wait_for(lambda: any(e["server_seq"] == edited["server_seq"] for e in state_events(client, "state:track")))
        track_event = state_events(client, "state:track")[-1]
        assert track_event["data"]["id"] == ids[0] and track_event["playlist_id"] == first

        moved = requests.post(f"{url}/api/playlists/move-track",
                              json={"track_id": ids[1], "target_playlist_id": second, "position": 0}, timeout=5).json()
        assert moved["data"]["playlist_id"] == second and moved["data"]["track_number"] == 1
        assert wait_for(lambda: len([e for e in state_events(client, "state:playlist") if e["server_seq"] >= moved["server_seq"] - 1]) == 2)
        latest = {e["data"]["id"]: e["data"] for e in state_events(client, "state:playlist")}
        assert [t["id"] for t in latest[first]["tracks"]] == [ids[2], ids[0]]
        assert [t["id"] for t in latest[second]["tracks"]][0] == ids[1]

        deleted = requests.delete(f"{url}/api/playlists/{first}/tracks", json={"track_ids": [ids[2]]}, timeout=5).json()
        assert [t["id"] for t in deleted["data"]["tracks"]] == [ids[0]]
        assert requests.delete(f"{url}/api/playlists/{first}/tracks", json={"track_ids": [ids[2]]}, timeout=5).status_code == 404
        assert requests.get(f"{url}/api/playlists/{first}", timeout=5).json()["data"]["track_count"] == 1
    finally:
        client.close()
