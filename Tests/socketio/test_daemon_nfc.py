"""The real binary reading tags through libnfc's real pn532_uart driver, from a PN532 emulated on a
pseudo-terminal (pn532_emulator.py): no reader hardware needed."""
import array
import os
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from paced_audio import paced_audio  # noqa: F401 (fixture)
from pn532_emulator import PN532Emulator
from test_daemon_audio import frequency, tone

NTAG = "04a1b2c3d4e5f6"      # 7-byte UID (NTAG/Ultralight: presence by InDataExchange)
CLASSIC = "8e2f4a19"          # 4-byte UID (MIFARE Classic: presence by InListPassiveTarget)


@pytest.fixture
def reader():
    work = tempfile.mkdtemp(prefix="musicboxd-nfc-")
    emulator = PN532Emulator(os.path.join(work, "pn532"))
    yield emulator
    emulator.close()


def start_daemon(reader, audio_env=None, grace_ms=1000, resume_save_ms=10_000):
    env = {"MUSICBOXD_NFC_DEVICE": f"pn532_uart:{reader.path}", "MUSICBOXD_NFC_REMOVAL_GRACE_MS": str(grace_ms),
           "LIBNFC_AUTO_SCAN": "false", "MUSICBOXD_AUDIO_RESUME_SAVE_INTERVAL_MS": str(resume_save_ms)}
    if audio_env is None:
        work = tempfile.mkdtemp(prefix="musicboxd-nfc-audio-")
        audio_env = {"MUSICBOXD_AUDIO_DEVICE": f"file:FILE={os.path.join(work, 'out.raw')},FORMAT=raw",
                     "HOME": work, "XDG_RUNTIME_DIR": work}
    return Daemon(hardware="real", env_extra={**env, **audio_env})


def health(daemon):
    return requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["nfc"]


def tag_events(client):
    return [args[0]["data"] for args in client.received("nfc:tag")]


def test_reader_reports_each_placement_once_and_ignores_flicker(reader):
    daemon = start_daemon(reader)
    try:
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:nfc", {}, timeout=5)

        reader.place(NTAG)
        assert wait_for(lambda: tag_events(client), timeout=5)
        (placed,) = tag_events(client)
        assert placed["tag_id"] == NTAG and placed["present"] is True and placed["action"] == "unknown"
        status = requests.get(f"{daemon.url}/api/nfc/status", timeout=5).json()["data"]
        assert status == {"reader": "available", "tag_id": NTAG, "session": None}

        # Left lying for 10 s: never a second tap, and presence is checked at a modest rate.
        checks_before = len(reader.commands)
        time.sleep(10)
        assert len(tag_events(client)) == 1
        rate = (len(reader.commands) - checks_before) / 10
        print(f"reader commands per second while a tag lies still: {rate:.1f}")
        assert 2 < rate < 40

        # Lifted for less than the grace time: nothing happened.
        reader.remove()
        time.sleep(0.4)
        reader.place(NTAG)
        time.sleep(1.5)
        assert len(tag_events(client)) == 1

        # Lifted for longer: one removal, about a grace time after it left.
        lifted = time.time()
        reader.remove()
        assert wait_for(lambda: len(tag_events(client)) == 2, timeout=5)
        assert time.time() - lifted >= 0.9
        removed = tag_events(client)[1]
        assert removed["tag_id"] == NTAG and removed["present"] is False
        time.sleep(1.5)
        assert len(tag_events(client)) == 2

        # A 4-byte UID.
        reader.place(CLASSIC)
        assert wait_for(lambda: len(tag_events(client)) == 3, timeout=5)
        assert tag_events(client)[2]["tag_id"] == CLASSIC and tag_events(client)[2]["present"] is True
        time.sleep(1.5)
        assert len(tag_events(client)) == 3
        reader.remove()
        assert wait_for(lambda: len(tag_events(client)) == 4, timeout=5)
        client.close()
        # Stopping aborts the pending poll: the daemon exits at once.
        started = time.time()
        daemon.terminate()
        assert time.time() - started < 2
    finally:
        daemon.stop()


def test_unplugged_reader_is_unavailable_and_recovers(reader):
    daemon = start_daemon(reader)
    try:
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        reader.unplug()
        assert wait_for(lambda: health(daemon) == "unavailable", timeout=10)
        report = requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]
        assert report["status"] == "degraded"
        assert "pn532_uart:" in report["problems"]["nfc"], report["problems"]
        reader.plug()
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:nfc", {}, timeout=5)
        reader.place(CLASSIC)
        assert wait_for(lambda: tag_events(client), timeout=5)
        assert tag_events(client)[0]["tag_id"] == CLASSIC
        client.close()
    finally:
        daemon.stop()


def test_missing_reader_at_start_is_unavailable_then_found(reader):
    reader.unplug()
    daemon = start_daemon(reader)
    try:
        assert health(daemon) == "unavailable"
        reason = lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["problems"].get("nfc", "")
        assert wait_for(lambda: reason().startswith("no NFC reader at pn532_uart:"), timeout=5), reason()
        reader.plug()
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        assert "nfc" not in requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["problems"]
    finally:
        daemon.stop()


def player(daemon):
    return requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]


def test_tap_plays_lift_pauses_and_return_resumes(reader, paced_audio):
    """A linked tag plays its playlist through ALSA; lifting it pauses (after the grace time);
    putting it back continues where it paused; a kill -9 loses at most the save interval of the
    place (`audio.resume_save_interval_ms`, 2 s here, 10 s by default)."""
    song = tone(os.path.join(paced_audio.dir, "long.flac"), 440, 40)
    daemon = start_daemon(reader, audio_env={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env}, resume_save_ms=2000)
    try:
        playlist = daemon.seed_playlist("Lullabies", [40_000], files=[song])
        requests.post(f"{daemon.url}/api/nfc/associate", json={"tag_id": NTAG, "playlist_id": playlist},
                      timeout=5).raise_for_status()
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)

        reader.place(NTAG)
        assert wait_for(lambda: player(daemon)["state"] == "playing", timeout=5)
        assert player(daemon)["active_playlist_id"] == playlist
        players = lambda: [args[0]["data"] for args in client.received("state:player")]
        assert wait_for(lambda: any(p["state"] == "playing" and p["active_playlist_id"] == playlist for p in players()))
        assert wait_for(lambda: tag_events(client)) and tag_events(client)[0]["action"] == "started"
        time.sleep(2)

        reader.remove()
        assert wait_for(lambda: player(daemon)["state"] == "paused", timeout=5)
        held = player(daemon)["position_ms"]
        assert 2500 <= held <= 4500, held
        time.sleep(0.5)

        seen = len(client.received("state:player"))
        reader.place(NTAG)
        assert wait_for(lambda: player(daemon)["state"] == "playing", timeout=5)
        # The state:player of the resume says where it resumed: where the lift paused it.
        resumed = lambda: [args[0]["data"] for args in client.received("state:player")[seen:] if args[0]["data"]["state"] == "playing"]
        assert wait_for(resumed), "no state:player for the resume"
        assert abs(resumed()[0]["position_ms"] - held) <= 100, (held, resumed()[:1])
        assert wait_for(lambda: tag_events(client)[-1]["action"] == "resumed"), tag_events(client)
        # The sound went on where it paused: the capture holds the tone, about as long as played.
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        assert abs(frequency(samples) - 440) < 5

        # Play past a periodic save, then pull the plug (kill -9) and tap again after a restart.
        time.sleep(2.6)
        client.close()
        before_kill = player(daemon)["position_ms"]
        daemon.proc.kill()
        daemon.proc.wait()
        daemon.start()
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        reader.remove()
        time.sleep(0.5)
        reader.place(NTAG)
        assert wait_for(lambda: player(daemon)["state"] == "playing", timeout=5)
        after_restart = player(daemon)["position_ms"]
        print(f"position before kill -9: {before_kill} ms, resumed at {after_restart} ms")
        # At most the 2 s save interval lost; read while playing again, so up to a few hundred ms on.
        assert before_kill - 2_500 <= after_restart <= before_kill + 500, (before_kill, after_restart)
    finally:
        daemon.stop()


def test_switching_tags_keeps_each_playlists_place(reader, paced_audio):
    first = tone(os.path.join(paced_audio.dir, "a.flac"), 440, 30)
    second = tone(os.path.join(paced_audio.dir, "b.flac"), 660, 30)
    daemon = start_daemon(reader, audio_env={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env}, grace_ms=300)
    try:
        one = daemon.seed_playlist("One", [30_000], files=[first])
        two = daemon.seed_playlist("Two", [30_000], files=[second])
        for tag, playlist in ((NTAG, one), (CLASSIC, two)):
            requests.post(f"{daemon.url}/api/nfc/associate", json={"tag_id": tag, "playlist_id": playlist},
                          timeout=5).raise_for_status()
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        reader.place(NTAG)
        assert wait_for(lambda: player(daemon)["state"] == "playing", timeout=5)
        time.sleep(2)
        reader.place(CLASSIC)  # a different tag: switch
        assert wait_for(lambda: player(daemon)["active_playlist_id"] == two, timeout=5)
        assert player(daemon)["position_ms"] < 500
        time.sleep(1)
        reader.place(NTAG)     # back to the first: it continues where it was left
        assert wait_for(lambda: player(daemon)["active_playlist_id"] == one, timeout=5)
        assert 1800 <= player(daemon)["position_ms"] <= 2800, player(daemon)
    finally:
        daemon.stop()


def test_linking_a_tag_over_socketio(reader):
    """CONTRACT §5 with python-socketio and the emulated reader: success, duplicate then override,
    stop, timeout. While a session listens a tapped tag is linked, not played."""
    daemon = start_daemon(reader, grace_ms=300)
    try:
        one = daemon.seed_playlist("One", [60_000])
        two = daemon.seed_playlist("Two", [60_000])
        assert wait_for(lambda: health(daemon) == "available", timeout=15)
        client = Recorder(daemon.url, ["websocket"])
        statuses = lambda: [args[0] for args in client.received("nfc_status")]
        friendly = lambda: [args[0] for args in client.received("nfc_association_state")]
        tag_of = lambda pid: requests.get(f"{daemon.url}/api/playlists/{pid}", timeout=5).json()["data"]["nfc_tag_id"]

        # Success: the tapped tag is linked, and nothing plays.
        ack = client.client.call("start_nfc_link", {"playlist_id": one, "timeout_s": 30}, timeout=5)
        assert ack["success"] is True and ack["data"]["state"] == "listening", ack
        session = ack["data"]["assoc_id"]
        assert ack["data"]["timeout_at"].endswith("Z") and ack["data"]["started_at"] < ack["data"]["timeout_at"]
        assert wait_for(lambda: statuses() and statuses()[-1]["state"] == "listening")
        assert wait_for(lambda: friendly() and friendly()[-1].get("message")), friendly()
        reader.place(NTAG)
        assert wait_for(lambda: statuses()[-1]["state"] == "success", timeout=5), statuses()
        done = statuses()[-1]
        assert done["assoc_id"] == session and done["tag_id"] == NTAG and done["playlist_id"] == one
        assert isinstance(done["server_seq"], int)
        assert tag_of(one) == NTAG
        assert player(daemon)["state"] == "stopped"
        reader.remove()
        time.sleep(0.6)

        # Duplicate, then override moves the tag.
        ack = client.client.call("start_nfc_link", {"playlist_id": two}, timeout=5)
        session = ack["data"]["assoc_id"]
        reader.place(NTAG)
        assert wait_for(lambda: statuses()[-1]["state"] == "duplicate", timeout=5), statuses()
        assert statuses()[-1]["conflict_playlist_id"] == one
        # nfc_association_state follows nfc_status: wait for it too (seen read too early once in CI).
        assert wait_for(lambda: friendly() and friendly()[-1].get("existing_playlist") == {"id": one, "title": "One"}, timeout=5), friendly()[-1:]
        ack = client.client.call("override_nfc_tag", {"tag_id": NTAG, "playlist_id": two, "force": True}, timeout=5)
        assert ack["success"] is True, ack
        assert wait_for(lambda: statuses()[-1]["state"] == "success", timeout=5)
        assert statuses()[-1]["assoc_id"] == session
        assert tag_of(two) == NTAG and tag_of(one) is None
        refused = client.client.call("override_nfc_tag", {"tag_id": NTAG, "playlist_id": one}, timeout=5)
        assert refused["success"] is False and refused["error_type"] == "validation_error"
        reader.remove()
        time.sleep(0.6)

        # Stop takes effect at once; a tap afterwards plays again.
        ack = client.client.call("start_nfc_link", {"playlist_id": one}, timeout=5)
        session = ack["data"]["assoc_id"]
        stopped = client.client.call("stop_nfc_link", {"assoc_id": session}, timeout=5)
        assert stopped["success"] is True and stopped["data"]["state"] == "stopped"
        assert wait_for(lambda: statuses()[-1]["state"] == "stopped")
        again = client.client.call("stop_nfc_link", {"assoc_id": session}, timeout=5)
        assert again["success"] is False and again["error_type"] == "not_found"
        reader.place(NTAG)
        # (These playlists have no audio files: it starts, then its track is skipped as missing.)
        assert wait_for(lambda: tag_events(client)[-1]["action"] == "started", timeout=5)
        assert tag_events(client)[-1]["playlist_id"] == two
        assert all(e["action"] == "linking" for e in tag_events(client)[:-1] if e["present"])

        # Timeout, published when it happens; also over HTTP.
        started = time.time()
        reply = requests.post(f"{daemon.url}/api/nfc/scan", json={"playlist_id": one, "timeout_s": 5}, timeout=5)
        assert reply.status_code == 200 and reply.json()["data"]["state"] == "listening"
        assert requests.get(f"{daemon.url}/api/nfc/status", timeout=5).json()["data"]["session"]["state"] == "listening"
        assert wait_for(lambda: statuses()[-1]["state"] == "timeout", timeout=10)
        assert 4.5 <= time.time() - started <= 7
        assert requests.get(f"{daemon.url}/api/nfc/status", timeout=5).json()["data"]["session"] is None
        unknown = requests.delete(f"{daemon.url}/api/nfc/session/nope", timeout=5)
        assert unknown.status_code == 404 and unknown.json()["error_type"] == "not_found"
        client.close()
    finally:
        daemon.stop()


def test_simulated_reader_takes_tags_from_the_dev_endpoints():
    """Without a reader (hardware sim) tags are placed by hand; the endpoints exist only then."""
    daemon = Daemon(hardware="sim")
    try:
        playlist = daemon.seed_playlist("Songs", [60_000, 60_000])
        requests.post(f"{daemon.url}/api/nfc/associate", json={"tag_id": CLASSIC, "playlist_id": playlist},
                      timeout=5).raise_for_status()
        assert health(daemon) == "simulated"
        placed = requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": CLASSIC.upper()}, timeout=5)
        assert placed.status_code == 200 and placed.json()["data"]["tag_id"] == CLASSIC
        assert wait_for(lambda: player(daemon)["state"] == "playing")
        assert requests.post(f"{daemon.url}/api/dev/nfc/remove", timeout=5).status_code == 200
        assert wait_for(lambda: player(daemon)["state"] == "paused")
        bad = requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": "xyz"}, timeout=5)
        assert bad.status_code == 400 and bad.json()["error_type"] == "validation_error"
    finally:
        daemon.stop()


def test_dev_endpoints_are_absent_with_a_real_reader(reader):
    daemon = start_daemon(reader)
    try:
        assert requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": CLASSIC}, timeout=5).status_code == 404
    finally:
        daemon.stop()
