"""The real binary playing real files through real ALSA (its `file` plugin: no sound card needed)."""
import array
import os
import subprocess
import tempfile
import time

import requests

from daemon import Daemon
from paced_audio import paced_audio  # noqa: F401 (fixture)
from helpers import wait_for


def tone(path, frequency, seconds, codec=()):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={frequency}:duration={seconds}:sample_rate=48000", "-ac", "2", *codec, path],
                   check=True)
    return path


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
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["audio"]
                        == "available")
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
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["audio"]
                        == "available")
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
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]["audio"]
                        == "available")
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


def test_an_unplayable_track_is_announced_and_skipped():
    """A text file uploaded as .mp3 (or a file cut short, or gone): listeners get `playback:error`
    naming the track and the reason, and the next track plays."""
    from helpers import Recorder
    work = tempfile.mkdtemp(prefix="musicboxd-audio-")
    capture = os.path.join(work, "out.raw")
    fake = os.path.join(work, "list.mp3")
    with open(fake, "w") as text:
        text.write("milk, bread, apples\n" * 50)
    files = [fake, tone(os.path.join(work, "b.flac"), 660, 0.6)]
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw",
                                               "HOME": work, "XDG_RUNTIME_DIR": work})
    try:
        playlist = daemon.seed_playlist("Mixed", [600, 600], files=files)
        first = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"][0]
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: client.received("playback:error"), timeout=10)
        (event,) = client.received("playback:error")[0]
        assert event["event_type"] == "playback:error"
        assert event["data"]["track_id"] == first["id"] and event["data"]["playlist_id"] == playlist
        assert event["data"]["error_type"] == "unsupported_format" and event["data"]["message"]
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "stopped",
                        timeout=10)
        samples = array.array("h")
        with open(capture, "rb") as raw:
            samples.frombytes(raw.read())
        assert 0.55 < len(samples) / 2 / 48_000 < 0.65
        assert abs(frequency(samples) - 660) < 10
        client.close()
    finally:
        daemon.stop()
