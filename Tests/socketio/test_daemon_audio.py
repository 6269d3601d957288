"""The real binary playing real files through real ALSA (its `file` plugin: no sound card needed)."""
import array
import os
import subprocess
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from paced_audio import paced_audio  # noqa: F401 (fixture)
from helpers import wait_for


def tone(path, frequency, seconds, codec=()):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={frequency}:duration={seconds}:sample_rate=48000", "-ac", "2", *codec, path],
                   check=True)
    return path


def audio_ready(daemon):
    """Waits until the daemon's output thread has opened the ALSA device."""
    return wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["audio"]
                    == "available")


def player_action(daemon):
    """`act("pause")`, `act("seek", position_ms=…)`: POST /api/player/{action}."""
    return lambda action, **body: requests.post(f"{daemon.url}/api/player/{action}", json=body, timeout=5).raise_for_status()


def frequency(samples, rate=48_000):
    left = samples[::2]
    middle = left[len(left) // 10: len(left) * 9 // 10]
    crossings = sum(1 for a, b in zip(middle, middle[1:]) if (a < 0) != (b < 0))
    return crossings / 2 / (len(middle) / rate)


def test_playlist_plays_through_alsa_in_order():
    work = tempfile.mkdtemp(prefix="musicboxd-audio-")
    capture = os.path.join(work, "out.raw")
    files = [tone(os.path.join(work, "a.mp3"), 440, 0.6), tone(os.path.join(work, "b.flac"), 660, 0.6),
             tone(os.path.join(work, "c.ogg"), 880, 0.6, ("-c:a", "libvorbis"))]
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw",
                                               "HOME": work, "XDG_RUNTIME_DIR": work})
    try:
        playlist = daemon.seed_playlist("Tones", [600, 600, 600], files=files)
        # The output thread opens the device by itself, soon after start.
        assert audio_ready(daemon)
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        played = requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).json()
        assert played["data"]["state"] == "playing"
        # The file plugin is not paced: the three tracks play as fast as they decode, then the player stops.
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "stopped",
                        timeout=10)
        time.sleep(0.2)
        samples = array.array("h")
        with open(capture, "rb") as raw:
            samples.frombytes(raw.read())
        seconds = len(samples) / 2 / 48_000
        assert 1.75 < seconds < 1.9, seconds  # 3 × 0.6 s, codec padding aside, no gaps added
        third = len(samples) // 3 // 2 * 2
        found = [frequency(samples[i * third:(i + 1) * third]) for i in range(3)]
        for measured, expected in zip(found, [440, 660, 880]):
            assert abs(measured - expected) < expected * 0.02, found
    finally:
        daemon.stop()


def test_missing_audio_device_is_reported_unavailable():
    work = tempfile.mkdtemp(prefix="musicboxd-audio-")
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "no_such_device", "HOME": work,
                                               "XDG_RUNTIME_DIR": work})
    try:
        reply = requests.get(f"{daemon.url}/api/health", timeout=5)
        assert reply.status_code == 200
        data = reply.json()["data"]
        assert data["status"] == "degraded" and data["components"]["audio"] == "unavailable"
        assert "no_such_device" in data["problems"]["audio"], data["problems"]  # the reason, in words
    finally:
        daemon.stop()


def test_position_follows_a_paced_device(paced_audio):
    """Through a device that plays in real time, the reported position advances with the clock:
    over 10 s it stays within a 50 ms band around (time since play − a constant output latency);
    after a seek it starts at the target and advances the same way."""
    from helpers import Recorder
    long_tone = tone(os.path.join(paced_audio.dir, "long.flac"), 440, 30)
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Long", [30_000], files=[long_tone])
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        ticks = []
        client.client.on("state:track_position", lambda event: ticks.append(event))
        started = time.time() * 1000
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        time.sleep(10.3)
        # Server timestamps, so the client's own delays do not count.
        playing = [(t["timestamp"] - started, t["data"]["position_ms"]) for t in ticks if t["data"]["is_playing"]]
        lag = [elapsed - position for elapsed, position in playing]
        print("lag of position behind the clock (ms):", [round(x) for x in lag])
        assert len(playing) >= 49
        assert 0 <= min(lag) and max(lag) < 400            # output latency, bounded
        assert max(lag[3:]) - min(lag[3:]) <= 50           # no drift, no jumps over 10 s

        count = len(ticks)
        seek_at = time.time() * 1000
        requests.post(f"{daemon.url}/api/player/seek", json={"position_ms": 20_000}, timeout=5).raise_for_status()
        time.sleep(2.2)
        after = [(t["timestamp"] - seek_at, t["data"]["position_ms"]) for t in ticks[count:] if t["data"]["is_playing"]]
        assert after and all(position >= 20_000 for _, position in after)
        lag = [elapsed - (position - 20_000) for elapsed, position in after]
        print(f"after seek: lag {min(lag):.0f}..{max(lag):.0f} ms")
        assert max(lag[3:]) - min(lag[3:]) <= 50 and max(lag) < 400
        client.close()
    finally:
        daemon.stop()


def test_lost_output_pauses_and_its_return_resumes(paced_audio):
    """A USB DAC unplugged mid-song: the player pauses where the child was, health says audio is
    unavailable, and when the device is back playback resumes from there by itself."""
    from helpers import Recorder
    long_tone = tone(os.path.join(paced_audio.dir, "long.flac"), 440, 30)
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Long", [30_000], files=[long_tone])
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        time.sleep(1.5)
        paced_audio.kill_server()
        status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert wait_for(lambda: status()["state"] == "paused", timeout=10)
        held = status()["position_ms"]
        assert 1000 <= held <= 2500, held
        assert requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["audio"] == "unavailable"
        time.sleep(1)
        assert status()["position_ms"] == held

        paced_audio.start_server()
        assert wait_for(lambda: status()["state"] == "playing", timeout=15)
        time.sleep(1)
        resumed = status()["position_ms"]
        assert held < resumed < held + 2000, (held, resumed)
        client.close()
    finally:
        daemon.stop()


def broken_file(kind, work):
    """A file a parent might upload by mistake: a text file named .mp3, an empty file, or a song
    whose copy broke off half-way (its header still says one second)."""
    path = os.path.join(work, f"broken-{kind}.mp3")
    if kind == "text":
        with open(path, "w") as text:
            text.write("milk, bread, apples\n" * 50)
    elif kind == "empty":
        open(path, "wb").close()
    else:
        whole = open(tone(os.path.join(work, "whole.mp3"), 440, 1.0), "rb").read()
        with open(path, "wb") as cut:
            cut.write(whole[:len(whole) // 2])
    return path


@pytest.mark.parametrize("kind,error_type,played", [("text", "unsupported_format", 0), ("empty", "unsupported_format", 0),
                                                     ("truncated", "unsupported_format", 0.5)])
def test_an_unplayable_track_is_announced_and_skipped(kind, error_type, played):
    """A broken file: listeners get `playback:error` naming the track and the reason, and the
    next track plays. A file cut short first plays what it has."""
    from helpers import Recorder
    work = tempfile.mkdtemp(prefix="musicboxd-audio-")
    capture = os.path.join(work, "out.raw")
    files = [broken_file(kind, work), tone(os.path.join(work, "b.flac"), 660, 0.6)]
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw",
                                               "HOME": work, "XDG_RUNTIME_DIR": work})
    try:
        playlist = daemon.seed_playlist("Mixed", [1000, 600], files=files)
        first, second = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"]
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: client.received("playback:error"), timeout=10)
        (event,) = client.received("playback:error")[0]
        assert event["event_type"] == "playback:error"
        assert event["data"]["track_id"] == first["id"] and event["data"]["playlist_id"] == playlist
        assert event["data"]["error_type"] == error_type and event["data"]["message"], event
        if kind == "truncated":
            assert "breaks off" in event["data"]["message"]
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "stopped",
                        timeout=10)
        # The second track became current and played.
        players = lambda: [e["data"] for (e,) in client.received("state:player")]
        assert wait_for(lambda: any(p.get("active_track_id") == second["id"] for p in players()))
        samples = array.array("h")
        with open(capture, "rb") as raw:
            samples.frombytes(raw.read())
        seconds = len(samples) / 2 / 48_000
        assert played + 0.55 < seconds < played + 0.7, seconds
        tail = samples[-int(0.5 * 48_000) * 2:]
        assert abs(frequency(tail) - 660) < 10
        assert requests.get(f"{daemon.url}/api/health", timeout=5).status_code == 200
        client.close()
    finally:
        daemon.stop()


def test_a_file_deleted_during_playback_is_announced_and_skipped(paced_audio):
    """The next song's file disappears while the current one plays (a parent tidying the media
    folder by hand): when its turn comes listeners hear why it is skipped, and the one after plays."""
    from helpers import Recorder
    files = [tone(os.path.join(paced_audio.dir, f"{name}.flac"), freq, 1.5)
             for name, freq in (("a", 440), ("b", 660), ("c", 880))]
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Three", [1500, 1500, 1500], files=files)
        tracks = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"]
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        time.sleep(0.2)
        os.remove(os.path.join(daemon.data, "media", f"{tracks[1]['id']}.flac"))
        assert wait_for(lambda: client.received("playback:error"), timeout=10)
        (event,) = client.received("playback:error")[0]
        assert event["data"]["track_id"] == tracks[1]["id"]
        assert event["data"]["error_type"] == "not_found" and "missing" in event["data"]["message"]
        status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert wait_for(lambda: status().get("active_track_id") == tracks[2]["id"], timeout=10)
        assert wait_for(lambda: status()["state"] == "stopped", timeout=10)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        # The first and the third song, whole, one after the other.
        assert 2.9 < len(samples) / 2 / 48_000 < 3.1
        half = len(samples) // 2 // 2 * 2
        assert abs(frequency(samples[:half]) - 440) < 10 and abs(frequency(samples[half:]) - 880) < 15
        client.close()
    finally:
        daemon.stop()


def largest_step(samples):
    left = samples[::2]
    return max(abs(b - a) for a, b in zip(left, left[1:]))


def test_pause_resume_and_seek_make_no_click(paced_audio):
    """Pausing cuts the waveform mid-swing; the box fades out over a few milliseconds instead
    (and fades in when it resumes or seeks), so the played audio never jumps: its largest
    sample-to-sample step stays that of the tone itself."""
    song = tone(os.path.join(paced_audio.dir, "long.flac"), 440, 4)
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Long", [4000], files=[song])
        assert audio_ready(daemon)
        player = player_action(daemon)
        player("volume", volume=100)
        player("play", playlist_id=playlist)
        time.sleep(1.0)
        player("pause")
        time.sleep(0.3)
        player("toggle")
        time.sleep(0.6)
        player("seek", position_ms=3000)
        status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert wait_for(lambda: status()["state"] == "stopped", timeout=10)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        peak = max(abs(x) for x in samples[::2])
        natural = peak * 2 * 3.14159 * 440 / 48_000
        seconds = len(samples) / 2 / 48_000
        assert 2.4 < seconds < 3.0, seconds  # about 1 s, then 0.6 s, then the last second
        assert largest_step(samples) <= natural * 1.15, (largest_step(samples), natural)
        health = requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]
        assert health["audio"]["device"] == "paced" and health["audio"]["underruns"] >= 0
    finally:
        daemon.stop()


def test_volume_can_turn_a_hardware_mixer_control(paced_audio):
    """With `audio.mixer_control` the volume goes to the card's control (here PulseAudio's
    "Master" through ALSA's pulse mixer) and the samples pass at full scale."""
    song = tone(os.path.join(paced_audio.dir, "short.flac"), 440, 0.8)
    env = {"MUSICBOXD_AUDIO_DEVICE": "paced", "MUSICBOXD_AUDIO_MIXER_DEVICE": "pulse",
           "MUSICBOXD_AUDIO_MIXER_CONTROL": "Master", **paced_audio.env}
    daemon = Daemon(hardware="real", env_extra=env)
    amixer = lambda: subprocess.run(["amixer", "-D", "pulse", "sget", "Master"], env={**os.environ, **paced_audio.env},
                                    capture_output=True, text=True, check=True).stdout
    try:
        playlist = daemon.seed_playlist("Short", [800], files=[song])
        assert audio_ready(daemon)
        player = player_action(daemon)
        player("volume", volume=50)
        player("play", playlist_id=playlist)
        # Volume 50 is a quarter of the way... on the cubic curve: 0.125 of the control's range.
        assert wait_for(lambda: "Playback 8192 [" in amixer(), timeout=5), amixer()
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "stopped",
                        timeout=10)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        source = array.array("h", subprocess.run(["ffmpeg", "-v", "error", "-i", song, "-ar", "48000", "-f", "s16le", "-"],
                                                 capture_output=True, check=True).stdout)
        assert max(samples) >= max(source) * 0.98  # full scale: the control did the attenuating
        player("volume", muted=True)
        assert wait_for(lambda: "[off]" in amixer(), timeout=5), amixer()
    finally:
        daemon.stop()
