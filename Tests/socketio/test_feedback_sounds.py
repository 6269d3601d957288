"""Feedback sounds (ready, tag linked, unknown tag, error) through the real ALSA pipeline: each
cue is recognised in the captured audio by its own notes, never louder than the volume cap,
mixed into the music rather than interrupting it, and the ready sound waits for the reader."""
import array
import math
import os
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from helpers import wait_for
from paced_audio import paced_audio  # noqa: F401 (fixture)
from pn532_emulator import PN532Emulator
from test_daemon_audio import audio_ready, tone

RATE = 48_000
# The notes of each cue (Hz), as ChimeSynthesizer plays them, in order.
NOTES = {
    "ready": [523.25, 659.26, 783.99],
    "tag_linked": [880.00, 1174.66],
    "unknown_tag": [493.88, 392.00],
    "error": [293.66],
    "goodbye": [698.46, 587.33, 440.00],
}
EVERY_NOTE = sorted({f for notes in NOTES.values() for f in notes})


def left(raw):
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 4 * 4])
    return samples[::2]


def amplitude(samples, frequency, hann=False):
    """Goertzel: the amplitude of a sine at `frequency` in `samples` (Hann-windowed for short
    stretches, where leakage between near notes matters; plain over a whole sound, so notes at
    its edges count fully)."""
    n = len(samples)
    if n == 0:
        return 0.0
    k = 2 * math.cos(2 * math.pi * frequency / RATE)
    s1 = s2 = 0.0
    window = 2 * math.pi / n
    for i, x in enumerate(samples):
        s0 = (x * (0.5 - 0.5 * math.cos(window * i)) if hann else x) + k * s1 - s2
        s2, s1 = s1, s0
    return (4 if hann else 2) * math.sqrt(max(0.0, s1 * s1 + s2 * s2 - k * s1 * s2)) / n


def cues_heard(samples):
    """The cues whose every note is clearly in `samples`."""
    levels = {f: amplitude(samples, f) for f in EVERY_NOTE}
    loudest = max(levels.values())
    if loudest < 20:
        return set()
    heard = {cue for cue, notes in NOTES.items() if all(levels[f] > loudest * 0.15 for f in notes)}
    # A cue counts only when nothing else is in it: no note of another cue above a tenth.
    return {cue for cue in heard if all(levels[f] < loudest * 0.1 for f in EVERY_NOTE if f not in NOTES[cue])}


def note_order(samples, notes, window_ms=60):
    """Which of `notes` dominates each stretch of `samples`, in order, repeats merged."""
    size = RATE * window_ms // 1000
    order = []
    for start in range(0, len(samples) - size + 1, size):
        part = samples[start:start + size]
        levels = [amplitude(part, f, hann=True) for f in notes]
        if max(levels) > 20:
            best = notes[levels.index(max(levels))]
            if not order or order[-1] != best:
                order.append(best)
    return order


class Capture:
    """What the daemon writes to ALSA's file plugin, read as it grows."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def size(self):
        return os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def next_sound(self, timeout=5):
        """Waits for new audio, then for it to stop growing; returns its left channel."""
        assert wait_for(lambda: self.size() > self.offset, timeout=timeout), "no sound was written"
        last, stable_since = self.size(), time.time()
        while time.time() - stable_since < 0.4:
            time.sleep(0.05)
            if self.size() != last:
                last, stable_since = self.size(), time.time()
        with open(self.path, "rb") as raw:
            raw.seek(self.offset)
            data = raw.read(last - self.offset)
        self.offset = last
        return left(data)

    def silent_for(self, seconds):
        start = self.size()
        time.sleep(seconds)
        return self.size() == start


def file_daemon(work, **env):
    capture = os.path.join(work, "out.raw")
    daemon = Daemon(hardware="real", feedback_sounds=True, env_extra={
        "MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw", "HOME": work, "XDG_RUNTIME_DIR": work,
        "LIBNFC_AUTO_SCAN": "false", **env})
    return daemon, Capture(capture)


def settings(daemon, **values):
    reply = requests.patch(f"{daemon.url}/api/settings", json=values, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


def try_sound(daemon, cue):
    reply = requests.post(f"{daemon.url}/api/system/sounds/{cue}", json={}, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["volume"]


def test_each_cue_has_its_own_notes_and_no_ready_sound_without_a_reader():
    work = tempfile.mkdtemp(prefix="musicboxd-cues-")
    daemon, capture = file_daemon(work, MUSICBOXD_NFC_DEVICE=f"pn532_uart:{work}/no-reader")
    try:
        assert audio_ready(daemon)
        # Audio and library are up, the reader is not: the box must not promise it is ready.
        assert capture.silent_for(2.0), "a ready sound played although the reader is missing"
        assert settings(daemon, feedback_volume=100)["feedback_volume"] == 100
        for cue, notes in NOTES.items():
            assert try_sound(daemon, cue) == 100
            sound = capture.next_sound()
            length_ms = len(sound) * 1000 / RATE
            print(f"{cue}: {length_ms:.0f} ms, peak {max(map(abs, sound))}")
            assert 400 < length_ms < 1000, length_ms
            assert cues_heard(sound) == {cue}, (cue, {f: round(amplitude(sound, f)) for f in EVERY_NOTE})
            if len(notes) > 1:
                assert note_order(sound, notes) == notes, (cue, note_order(sound, notes))
    finally:
        daemon.stop()


def test_the_volume_cap_bounds_every_sound_and_off_means_off():
    work = tempfile.mkdtemp(prefix="musicboxd-cues-")
    daemon, capture = file_daemon(work, MUSICBOXD_NFC_DEVICE=f"pn532_uart:{work}/no-reader")
    try:
        assert audio_ready(daemon)
        peak = lambda sound: max(map(abs, sound))
        settings(daemon, feedback_volume=100, max_volume=100)
        try_sound(daemon, "ready")
        full = peak(capture.next_sound())
        # The parents' cap of 40 holds back a sound set to 100 ...
        settings(daemon, feedback_volume=100, max_volume=40)
        assert try_sound(daemon, "ready") == 40
        capped = peak(capture.next_sound())
        # ... exactly as loud as a sound set to 40 under no cap.
        settings(daemon, feedback_volume=40, max_volume=100)
        assert try_sound(daemon, "ready") == 40
        chosen = peak(capture.next_sound())
        settings(daemon, feedback_volume=20)
        try_sound(daemon, "ready")
        quieter = peak(capture.next_sound())
        print(f"peaks: volume 100 {full}, capped at 40 {capped}, 40 {chosen}, 20 {quieter}")
        # The player's cubic curve: (40/100)^3 and (20/40)^3.
        assert abs(capped / full - 0.064) < 0.004 and abs(chosen - capped) <= 2
        assert abs(quieter / chosen - 0.125) < 0.01

        # Sounds off: nothing is written (the reply says why it was silent).
        settings(daemon, feedback_sounds=False)
        assert try_sound(daemon, "error") is None
        assert capture.silent_for(1.0)
        # Muted: silent too.
        settings(daemon, feedback_sounds=True)
        requests.post(f"{daemon.url}/api/player/volume", json={"muted": True}, timeout=5).raise_for_status()
        assert try_sound(daemon, "error") is None
        assert capture.silent_for(1.0)
    finally:
        daemon.stop()


def test_a_sound_mixes_into_the_music_and_plays_alone_while_paused(paced_audio):
    """Through a device that plays in real time: a cue while music plays is added to it (the
    music goes on underneath, nothing is inserted); a cue while paused is written on its own,
    and a second one after it plays the same way."""
    song = tone(os.path.join(paced_audio.dir, "low.flac"), 200, 30)
    daemon = Daemon(hardware="real", feedback_sounds=True, env_extra={
        "MUSICBOXD_AUDIO_DEVICE": "paced", "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{paced_audio.dir}/no-reader",
        "LIBNFC_AUTO_SCAN": "false", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Low", [30_000], files=[song])
        assert audio_ready(daemon)
        settings(daemon, feedback_volume=100)
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        time.sleep(1.0)
        mixed_at = os.path.getsize(paced_audio.capture)
        marked = time.monotonic()
        try_sound(daemon, "tag_linked")
        time.sleep(1.5)
        requests.post(f"{daemon.url}/api/player/pause", json={}, timeout=5).raise_for_status()
        played = time.monotonic() - marked
        time.sleep(0.5)
        paused_at = os.path.getsize(paced_audio.capture)
        try_sound(daemon, "unknown_tag")
        time.sleep(1.5)
        with open(paced_audio.capture, "rb") as raw:
            data = raw.read()
        # A second sound alone, after the device was stopped at the end of the first.
        try_sound(daemon, "error")
        time.sleep(1.2)
        with open(paced_audio.capture, "rb") as raw:
            raw.seek(len(data))
            second = left(raw.read())
        during = left(data[mixed_at:paused_at])
        # Real time: the music played from the mark until the pause (about 1.5 s of wall clock; the
        # pause takes back what the device had not played) is as long in the capture: the cue added none.
        assert abs(len(during) / RATE - played) < 0.35, (len(during) / RATE, played)
        chunk = RATE // 10
        with_cue = [during[i:i + chunk] for i in range(0, len(during) - chunk, chunk)
                    if amplitude(during[i:i + chunk], 880.0) > 500]
        assert with_cue, "the tag-linked sound is not in the music"
        music = sorted(amplitude(during[i:i + chunk], 200.0) for i in range(0, len(during) - chunk, chunk))[len(during) // chunk // 2]
        under = [amplitude(part, 200.0) for part in with_cue]
        print(f"music {music:.0f}; under the sound {[round(x) for x in under]}")
        assert music > 1000 and all(abs(x - music) < music * 0.1 for x in under), "the music changed under the sound"
        alone = left(data[paused_at:])
        assert "unknown_tag" in cues_heard(alone)
        assert amplitude(alone, 200.0) < 50, "music was heard while paused"
        assert cues_heard(second) == {"error"}
    finally:
        daemon.stop()


@pytest.fixture
def reader():
    work = tempfile.mkdtemp(prefix="musicboxd-cues-nfc-")
    emulator = PN532Emulator(os.path.join(work, "pn532"))
    yield emulator
    emulator.close()


def test_ready_waits_for_the_reader_and_tags_sound_as_they_should(reader):
    """The ready sound plays once audio, library and the reader are all up (the reader is
    plugged in late); an unknown tag, a tag linked in a session, and a tag of an empty playlist
    each make their sound."""
    reader.unplug()
    work = tempfile.mkdtemp(prefix="musicboxd-cues-")
    daemon, capture = file_daemon(work, MUSICBOXD_NFC_DEVICE=f"pn532_uart:{reader.path}",
                                  MUSICBOXD_NFC_REMOVAL_GRACE_MS="300")
    try:
        assert audio_ready(daemon)
        assert capture.silent_for(1.5), "ready played before the reader was there"
        reader.plug()
        ready = capture.next_sound(timeout=15)
        assert cues_heard(ready) == {"ready"}
        assert capture.silent_for(1.0)  # once

        reader.place("04a1b2c3d4e5f6")
        assert cues_heard(capture.next_sound()) == {"unknown_tag"}
        reader.remove()
        time.sleep(0.6)

        created = requests.post(f"{daemon.url}/api/playlists", json={"title": "Empty"}, timeout=5)
        assert created.status_code in (200, 201), created.text
        empty = created.json()["data"]["id"]
        reply = requests.post(f"{daemon.url}/api/nfc/scan", json={"playlist_id": empty, "timeout_s": 30}, timeout=5)
        assert reply.status_code == 200
        reader.place("04a1b2c3d4e5f6")
        assert cues_heard(capture.next_sound()) == {"tag_linked"}
        reader.remove()
        time.sleep(0.6)
        # Linked to a playlist with nothing in it yet: the error sound, not silence.
        reader.place("04a1b2c3d4e5f6")
        assert cues_heard(capture.next_sound()) == {"error"}
    finally:
        daemon.stop()


def test_no_ready_sound_when_auto_mode_stands_in_a_simulated_reader():
    """In hardware mode auto a reader that does not open becomes a simulated one: the box cannot
    read tags, so it does not say it is ready (its sounds still work)."""
    work = tempfile.mkdtemp(prefix="musicboxd-cues-")
    capture = os.path.join(work, "out.raw")
    daemon = Daemon(hardware="auto", feedback_sounds=True, env_extra={
        "MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw", "HOME": work, "XDG_RUNTIME_DIR": work,
        "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{work}/no-reader", "LIBNFC_AUTO_SCAN": "false"})
    try:
        assert audio_ready(daemon)
        components = requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]["components"]
        assert components["nfc"] == "simulated", components
        sounds = Capture(capture)
        assert sounds.silent_for(2.0), "a ready sound played with a stand-in reader"
        assert try_sound(daemon, "ready") == 30
        assert cues_heard(sounds.next_sound()) == {"ready"}
    finally:
        daemon.stop()
