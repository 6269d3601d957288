"""The volume floor in the sound itself: a child turns the box to 0 and it keeps playing at the
parents' `min_volume`, through a paced ALSA device (PulseAudio's null sink), the captured samples
measured. (The idle reset and the caps meeting the floor are unit-tested on a steered clock.)"""
import array
import math
import os
import subprocess
import time

import requests

from daemon import Daemon
from paced_audio import paced_audio  # noqa: F401 (fixture)
from helpers import wait_for
from test_daemon_audio import audio_ready


def loud_tone(path, seconds):
    """A 440 Hz tone near full scale, so the cubic volume curve leaves plenty to measure."""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}:sample_rate=48000,volume=7", "-ac", "2", path], check=True)
    return path


def levels(samples, rate=48_000, window_ms=100):
    """RMS of each 100 ms of the capture."""
    step = rate * window_ms // 1000 * 2
    return [math.sqrt(sum(s * s for s in samples[i:i + step:8]) / len(samples[i:i + step:8]))
            for i in range(0, len(samples) - step, step)]


def test_turned_to_zero_the_box_still_plays_at_the_floor_and_without_a_floor_it_is_silent(paced_audio):
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Long", [8000], files=[loud_tone(os.path.join(paced_audio.dir, "long.flac"), 8)])
        assert audio_ready(daemon)
        act = lambda action, **body: requests.post(f"{daemon.url}/api/player/{action}", json=body, timeout=5).json()["data"]
        settings = lambda **body: requests.patch(f"{daemon.url}/api/settings", json=body, timeout=5).json()["data"]
        assert settings(min_volume=40)["min_volume"] == 40
        act("volume", volume=60)
        act("play", playlist_id=playlist)
        time.sleep(1.5)
        assert act("volume", volume=0)["volume"] == 40  # the floor, not silence
        time.sleep(1.5)
        settings(min_volume=0)
        assert act("volume", volume=0)["volume"] == 0
        time.sleep(1.5)
        act("pause")
        time.sleep(0.3)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        heard = levels(samples)
        # Three stretches of about 1.5 s each: volume 60, the floor of 40, then 0. Windows that
        # stay within 15 % of each other (or are all silent) are one stretch.
        runs = []
        for level in heard:
            last = runs[-1][-1] if runs else None
            same = last is not None and ((level < 20 and last < 20) or abs(level - last) <= max(20, last * 0.15))
            if same:
                runs[-1].append(level)
            else:
                runs.append([level])
        steady = [sorted(run)[len(run) // 2] for run in runs if len(run) >= 8]
        print("steady levels (median RMS of each stretch):", [round(level) for level in steady])
        assert len(steady) == 3, steady
        sixty, floor, zero = steady
        assert zero < 20 and floor > 200
        # The cubic curve: (40/60)^3 of the amplitude.
        assert abs(floor / sixty - (40 / 60) ** 3) < 0.05, steady
    finally:
        daemon.stop()


def test_a_tap_after_the_idle_time_starts_at_the_start_up_volume(paced_audio):
    """`startup_volume_after_idle_minutes`: left loud, then silent for over a minute, the next tap
    on the real reader (the emulated PN532 through libnfc) plays at the start-up volume, heard in
    the samples; a tap within the minute keeps the volume the child chose."""
    import tempfile
    from pn532_emulator import PN532Emulator
    reader = PN532Emulator(os.path.join(tempfile.mkdtemp(prefix="musicboxd-idle-nfc-"), "pn532"))
    daemon = Daemon(hardware="real", env_extra={
        "MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env, "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{reader.path}",
        "MUSICBOXD_NFC_REMOVAL_GRACE_MS": "300", "LIBNFC_AUTO_SCAN": "false"})
    tag = "04a1b2c3d4e5f6"
    try:
        playlist = daemon.seed_playlist("Long", [30_000], files=[loud_tone(os.path.join(paced_audio.dir, "long.flac"), 30)])
        assert audio_ready(daemon)
        requests.post(f"{daemon.url}/api/nfc/associate", json={"tag_id": tag, "playlist_id": playlist}, timeout=5).raise_for_status()
        saved = requests.patch(f"{daemon.url}/api/settings", json={"startup_volume": 30, "startup_volume_after_idle_minutes": 1},
                               timeout=5).json()["data"]
        assert saved["startup_volume_after_idle_minutes"] == 1
        status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 90}, timeout=5).raise_for_status()
        reader.place(tag)
        assert wait_for(lambda: status()["state"] == "playing", timeout=10)
        assert status()["volume"] == 90  # silent for less than the minute since start: the child's volume
        time.sleep(1.5)
        reader.remove()
        assert wait_for(lambda: status()["state"] == "paused", timeout=5)
        time.sleep(61)
        reader.place(tag)
        assert wait_for(lambda: status()["state"] == "playing", timeout=10)
        assert status()["volume"] == 30
        time.sleep(1.5)
        reader.remove()
        assert wait_for(lambda: status()["state"] == "paused", timeout=5)
        time.sleep(0.3)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        heard = [level for level in levels(samples) if level > 20]
        runs = []
        for level in heard:
            if runs and abs(level - runs[-1][-1]) <= max(20, runs[-1][-1] * 0.15):
                runs[-1].append(level)
            else:
                runs.append([level])
        steady = [sorted(run)[len(run) // 2] for run in runs if len(run) >= 8]
        print("steady levels (median RMS of each stretch):", [round(level) for level in steady])
        assert len(steady) == 2, steady
        assert abs(steady[1] / steady[0] - (30 / 90) ** 3) < 0.01, steady
    finally:
        daemon.stop()
        reader.close()
