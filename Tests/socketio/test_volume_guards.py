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
