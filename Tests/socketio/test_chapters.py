"""Audiobook chapters through the real daemon: an M4B and an MP3 with ID3 CHAP frames made by
Debian's ffmpeg, uploaded over HTTP, played through a paced ALSA device (PulseAudio's null sink),
each chapter a different tone so the captured sound shows where playback really went."""
import array
import os
import subprocess
import time

import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from paced_audio import paced_audio  # noqa: F401 (fixture)
from test_daemon_audio import audio_ready, frequency
from uploads import create_playlist, upload

# (title, start s, length s, tone Hz); the book is 12 s long.
CHAPTERS = [("Chapter One", 0, 4, 440), ("Chapter Two", 4, 5, 660), ("Das dritte Kapitel", 9, 3, 880)]


def make_book(directory, ext):
    """A 12 s book whose chapters are tones of their own, with its chapter list (M4B: MP4 chapters;
    MP3: ID3 CHAP frames)."""
    metadata = os.path.join(directory, "chapters.txt")
    with open(metadata, "w") as out:
        out.write(";FFMETADATA1\ntitle=The Book\n")
        for title, start, length, _ in CHAPTERS:
            out.write(f"[CHAPTER]\nTIMEBASE=1/1000\nSTART={start * 1000}\nEND={(start + length) * 1000}\ntitle={title}\n")
    path = os.path.join(directory, f"book.{ext}")
    args = ["ffmpeg", "-loglevel", "error", "-y"]
    for _, _, length, tone in CHAPTERS:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone}:duration={length}:sample_rate=48000"]
    args += ["-i", metadata, "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1[book]", "-map", "[book]",
             "-map_metadata", "3", "-map_chapters", "3", "-ac", "2"]
    args += ["-c:a", "aac", "-b:a", "128k"] if ext == "m4b" else ["-c:a", "libmp3lame", "-b:a", "128k"]
    subprocess.run(args + [path], check=True)
    return path


def tone_runs(samples, rate=48_000, window_ms=100):
    """The captured sound as runs of one tone: [(Hz rounded to 10, seconds), …], silence left out."""
    step = rate * window_ms // 1000 * 2
    runs = []
    for start in range(0, len(samples) - step, step):
        window = samples[start:start + step]
        if max(abs(s) for s in window[::16]) < 300:
            continue
        hz = round(frequency(window, rate) / 10) * 10
        if runs and abs(runs[-1][0] - hz) <= 20:
            runs[-1][1] += window_ms / 1000
        else:
            runs.append([hz, window_ms / 1000])
    # A window that straddles a jump reads as some tone between; real runs last longer.
    return [(hz, round(seconds, 1)) for hz, seconds in runs if seconds >= 0.3]


def test_chapters_are_read_at_upload_and_next_previous_jump_them_in_the_sound(paced_audio):
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = create_playlist(daemon, "Audiobook")
        reply = upload(daemon, playlist, make_book(paced_audio.dir, "m4b"))
        assert reply.status_code == 201, reply.text
        track = reply.json()["data"]["track"]
        assert [c["title"] for c in track["chapters"]] == [c[0] for c in CHAPTERS]
        starts = [c["start_ms"] for c in track["chapters"]]
        assert starts == [0, 4000, 9000]
        assert track["chapters"][-1]["end_ms"] == track["duration_ms"]
        # The same list in the playlist, after a restart too (it is stored, not probed again).
        daemon.terminate()
        daemon.start()
        stored = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]
        assert stored["tracks"][0]["chapters"] == track["chapters"] and stored["continues_at"] is None

        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        players = lambda: [args[0]["data"] for args in client.received("state:player")]
        act = lambda action, **body: requests.post(f"{daemon.url}/api/player/{action}", json=body, timeout=5).json()

        act("volume", volume=100)
        played = act("play", playlist_id=playlist)["data"]
        assert played["chapter"] == {"index": 0, "count": 3, "title": "Chapter One", "start_ms": 0, "end_ms": 4000}
        time.sleep(1.2)
        jumped = act("next")["data"]
        assert jumped["track_index"] == 0 and jumped["chapter"]["index"] == 1 and 4000 <= jumped["position_ms"] < 4300
        assert jumped["can_next"] is True
        time.sleep(1.2)
        last = act("next")["data"]
        assert last["chapter"]["title"] == "Das dritte Kapitel" and last["can_next"] is False  # the only track
        time.sleep(1.2)
        # Within 3 s of a chapter's start: the chapter before.
        back = act("previous")["data"]
        assert back["chapter"]["index"] == 1 and 4000 <= back["position_ms"] < 4300
        time.sleep(1.2)
        act("pause")
        time.sleep(0.3)
        samples = array.array("h")
        with open(paced_audio.capture, "rb") as raw:
            samples.frombytes(raw.read())
        runs = tone_runs(samples)
        print("what was heard:", runs)
        # One, two, three, two: each jump heard as a jump, nothing of the skipped stretches.
        assert [hz for hz, _ in runs] == [440, 660, 880, 660]
        assert all(0.9 <= seconds <= 1.6 for _, seconds in runs)

        # Paused in chapter two: the playlist's page says so, and a restart keeps it.
        place = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["continues_at"]
        assert place["track_id"] == track["id"] and place["chapter"]["title"] == "Chapter Two" and place["position_ms"] > 4000
        client.close()
        daemon.terminate()
        daemon.start()
        after = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["continues_at"]
        assert after["chapter"]["index"] == 1 and abs(after["position_ms"] - place["position_ms"]) < 300
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        # Play with nothing loaded continues it there.
        resumed = act("play")["data"]
        assert resumed["chapter"]["index"] == 1 and abs(resumed["position_ms"] - place["position_ms"]) < 300

        # Playing on into the next chapter: state:player says so when it is heard, not later.
        act("seek", position_ms=8500)
        assert wait_for(lambda: any((p["chapter"] or {}).get("index") == 2 for p in players()), timeout=5)
        reached = next(p for p in players() if (p["chapter"] or {}).get("index") == 2)
        assert 9000 <= reached["position_ms"] < 9300 and reached["can_next"] is False
        act("pause")
        client.close()
    finally:
        daemon.stop()


def test_mp3_chap_frames_and_previous_into_the_last_chapter_of_the_file_before():
    daemon = Daemon()
    try:
        playlist = create_playlist(daemon, "Two parts")
        work = daemon.data
        book = make_book(work, "mp3")
        with open(book, "rb") as handle:
            assert b"CHAP" in handle.read(65536)  # ID3 chapter frames, as podcasts and audiobook tools write them
        first = upload(daemon, playlist, book).json()["data"]["track"]
        second = upload(daemon, playlist, book, filename="part2.mp3").json()["data"]["track"]
        assert [c["title"] for c in first["chapters"]] == [c[0] for c in CHAPTERS]
        assert [c["start_ms"] for c in second["chapters"]] == [0, 4000, 9000]
        act = lambda action, **body: requests.post(f"{daemon.url}/api/player/{action}", json=body, timeout=5).json()
        act("play", playlist_id=playlist, track_index=1)
        # At the start of part two, previous goes to part one's last chapter.
        back = act("previous")["data"]
        assert back["track_index"] == 0 and back["chapter"]["index"] == 2 and 9000 <= back["position_ms"] < 9500
        # From part one's last chapter, next is part two.
        on = act("next")["data"]
        assert on["track_index"] == 1 and on["chapter"]["index"] == 0 and on["position_ms"] < 500
        act("stop")
    finally:
        daemon.stop()
