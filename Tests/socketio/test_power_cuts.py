"""Power cuts, proven (issue 21): the daemon's data folder on a file system that forgets every
write not yet fsynced when "the power is cut" (Tests/socketio/powercut_fs.py: FUSE, the unsynced
data in the FUSE process's memory, so SIGKILL of that process is the cut).

100 cuts at random moments while uploads, playlist edits, track deletions, tag taps and playback
run. After each, the box starts again on what survived and must show:
- `PRAGMA integrity_check` ok;
- every track row has its file (the bytes its SHA-256 names) and every media file its row; no
  temp files left;
- every change acknowledged over HTTP before the cut (a playlist made or renamed, an upload
  finished, a track deleted) is there; a change in flight may or may not be;
- the resume point within the save interval (2 s here; `audio.resume_save_interval_ms`) plus
  half a second of the last heard position, and never ahead of it, whenever the cut came at
  least half a second after the last player command or tap (their points are written behind).
"""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from daemon import Daemon
from uploads import make_audio, sha256, upload

HERE = os.path.dirname(os.path.abspath(__file__))
CUTS = int(os.environ.get("POWER_CUTS", "100"))
SAVE_INTERVAL_MS = 2000
# A seek, skip, tap or lift is published first and its resume point written behind (one write
# later): cuts within this long of one are not judged for the resume point.
SETTLE_S = 0.5
TAG = "04c0ffee1234aa"


def fuse_available():
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        return "needs root and /dev/fuse"
    try:
        import mfusepy  # noqa: F401
    except (ImportError, OSError) as error:
        return f"mfusepy/libfuse3 missing: {error}"
    return None


pytestmark = pytest.mark.skipif(fuse_available() is not None, reason=str(fuse_available()))


class PowerCutMount:
    """The backing folder (what is durable) mounted through the forgetting file system."""

    def __init__(self, work):
        self.backing = os.path.join(work, "durable")
        self.mountpoint = os.path.join(work, "mnt")
        os.makedirs(self.backing)
        os.makedirs(self.mountpoint)
        self.proc = None

    def mount(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "powercut_fs.py"), self.backing, self.mountpoint],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while not os.path.ismount(self.mountpoint):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the power-cut file system did not mount: {self.proc.stderr.read().decode()}")
            time.sleep(0.02)

    def cut(self):
        """The power goes: whatever was not fsynced is gone."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        subprocess.run(["umount", "-l", self.mountpoint], check=False, stderr=subprocess.DEVNULL)

    def unmount(self):
        """At the end: the mount and its process go (what was not synced no longer matters)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        subprocess.run(["umount", "-l", self.mountpoint], check=False, stderr=subprocess.DEVNULL)


class Expectations:
    """What the box acknowledged, and what was in flight at the cut (it may or may not be there)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.titles = {}          # playlist id -> acknowledged title
        self.maybe_titles = {}    # playlist id -> a title in flight
        self.tracks = set()       # acknowledged uploads (track ids)
        self.playlist_of = {}     # track id -> its playlist
        self.deleted = set()      # acknowledged deletions
        self.maybe_deleted = set()  # a deletion in flight
        self.player_in_flight = False  # a player command or tap sent and not answered
        self.last_command = 0.0   # when the last player command or tap was sent or answered
        self.verified = set()     # media files whose bytes were checked
        self.errors = []          # what the worker was refused that it should not have been
        self.heard = None         # (perf_counter, playlist, track, position_ms, playing) of the last status poll


class Box:
    """One life of the box between two cuts: the daemon on the mount, and a worker that keeps it busy."""

    def __init__(self, mount, expect, rng, songs):
        self.mount, self.expect, self.rng, self.songs = mount, expect, rng, songs
        self.daemon = Daemon(data=os.path.join(mount.mountpoint, "box"), env_extra={
            "MUSICBOXD_AUDIO_RESUME_SAVE_INTERVAL_MS": str(SAVE_INTERVAL_MS)})
        self.stop = threading.Event()
        self.http = requests.Session()

    def api(self, method, path, refusable=False, **kwargs):
        """The answer's body. `refusable`: a player command the box may turn down as it stands
        (nothing loaded to seek in, no next track): a 4xx with an error_type is an answer too."""
        reply = self.http.request(method, f"{self.daemon.url}/api/{path}", timeout=10, **kwargs)
        if refusable and 400 <= reply.status_code < 500 and "error_type" in reply.json():
            return {}
        reply.raise_for_status()
        return reply.json()

    def busy(self, listening):
        """Random work until the cut; each request's outcome is recorded only once answered."""
        expect, rng = self.expect, self.rng
        first, player_rate = True, rng.choice([0.0, 0.0, 0.3])
        while not self.stop.is_set():
            # Each life starts playing; two in three then only edit the library, so their cuts
            # come in a quiet stretch; the others mix taps and player commands in.
            if first:
                action, first = "play", False
            elif rng.random() < player_rate:
                action = rng.choice(["tap", "player"])
            else:
                action = rng.choice(["upload", "upload", "upload", "rename", "create", "delete"])
            try:
                if action == "upload":
                    playlist = rng.choice(sorted(expect.titles))
                    reply = upload(self.daemon, playlist, rng.choice(self.songs))
                    if reply.status_code == 201:
                        track = reply.json()["data"]["track"]
                        with expect.lock:
                            expect.tracks.add(track["id"])
                            expect.playlist_of[track["id"]] = track["playlist_id"]
                elif action in ("rename", "create"):
                    title = f"t{rng.randrange(10**6)}"
                    if action == "create":
                        made = self.api("POST", "playlists", json={"title": title})["data"]
                        with expect.lock:
                            expect.titles[made["id"]] = title
                    else:
                        playlist = rng.choice(sorted(expect.titles))
                        with expect.lock:
                            expect.maybe_titles[playlist] = title
                        self.api("PATCH", f"playlists/{playlist}", json={"title": title})
                        with expect.lock:
                            expect.titles[playlist] = title
                            expect.maybe_titles.pop(playlist, None)
                elif action == "delete":
                    with expect.lock:
                        candidates = sorted(expect.tracks - expect.deleted)
                    if candidates:
                        track = rng.choice(candidates)
                        playlist = expect.playlist_of[track]
                        with expect.lock:
                            expect.maybe_deleted.add(track)
                        self.api("DELETE", f"playlists/{playlist}/tracks", json={"track_ids": [track]})
                        with expect.lock:
                            expect.deleted.add(track)
                            expect.maybe_deleted.discard(track)
                elif action == "tap":
                    self.player_step(lambda: self.api("POST", "dev/nfc/place", json={"tag_id": TAG}, refusable=True))
                    time.sleep(rng.uniform(0, 0.3))
                    if rng.random() < 0.5:
                        self.player_step(lambda: self.api("POST", "dev/nfc/remove", refusable=True))
                else:
                    step = "play" if action == "play" else rng.choice(["play", "pause", "seek", "next"])
                    # Until its answer, the place the listener is at is not known here.
                    with expect.lock:
                        expect.player_in_flight = True
                        expect.last_command = time.perf_counter()
                    if step == "play":
                        answer = self.api("POST", "player/play", json={"playlist_id": listening}, refusable=True)
                    elif step == "pause":
                        answer = self.api("POST", "player/pause", refusable=True)
                    elif step == "seek":
                        answer = self.api("POST", "player/seek", json={"position_ms": rng.randrange(0, 100_000)}, refusable=True)
                    else:
                        answer = self.api("POST", "player/next", refusable=True)
                    self.heard(answer.get("data") or self.api("GET", "player/status")["data"])
                    with expect.lock:
                        expect.player_in_flight = False
                        expect.last_command = time.perf_counter()
            except (requests.RequestException, OSError):
                return  # the cut (or the box going down with it)
            except Exception as error:  # a refusal the box should not have made: fails the round
                with expect.lock:
                    expect.errors.append(f"{action}: {error!r}")
                return

    def player_step(self, send):
        """A tap or a lift: in flight until its answer and the status after it are in."""
        with self.expect.lock:
            self.expect.player_in_flight = True
            self.expect.last_command = time.perf_counter()
        send()
        self.heard(self.api("GET", "player/status")["data"])
        with self.expect.lock:
            self.expect.player_in_flight = False
            self.expect.last_command = time.perf_counter()

    def heard(self, status):
        """What the listener hears, from a status the box answered (taken as of now)."""
        with self.expect.lock:
            if "position_ms" not in status or "state" not in status:
                self.expect.heard = None  # not said: unknown until the next poll
                return
            self.expect.heard = (time.perf_counter(), status.get("active_playlist_id"),
                                 status.get("active_track_id"), status["position_ms"], status["state"] == "playing")

    def listen(self):
        """Polls what the listener hears, every 50 ms."""
        http = requests.Session()
        while not self.stop.is_set():
            sent = time.perf_counter()
            try:
                status = http.get(f"{self.daemon.url}/api/player/status", timeout=2).json()["data"]
            except (requests.RequestException, ValueError):
                return
            with self.expect.lock:
                # A player command answered while this poll was out is newer than it.
                stale = self.expect.heard is not None and self.expect.heard[0] > sent
            if not stale:
                self.heard(status)
            time.sleep(0.05)


def check(daemon, expect, listening, cut_at, round_number):
    data = daemon.data
    db = sqlite3.connect(os.path.join(data, "musicbox.sqlite"))
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"round {round_number}: integrity"
        rows = {name: (size, sha, track) for name, size, sha, track in
                db.execute("SELECT file_name, file_size, sha256, id FROM tracks")}
        titles = dict(db.execute("SELECT id, title FROM playlists"))
        resume = db.execute("SELECT track_id, position_ms FROM resume WHERE playlist_id = ?", (listening,)).fetchone()
    finally:
        db.close()
    media = set(os.listdir(os.path.join(data, "media")))
    staging_dir = os.path.join(data, "uploads")
    staging = set(os.listdir(staging_dir)) if os.path.isdir(staging_dir) else set()
    assert set(rows) == media, f"round {round_number}: rows without files {set(rows) - media}, files without rows {media - set(rows)}"
    for name, (size, sha, _) in rows.items():
        path = os.path.join(data, "media", name)
        assert os.path.getsize(path) == size, f"round {round_number}: {name} is not its row's size"
        # A media file never changes once in place: its bytes are read once, in the first round after it came.
        if name not in expect.verified:
            assert sha256(path) == sha, f"round {round_number}: {name} is not its row's bytes"
            expect.verified.add(name)
    assert not staging, f"round {round_number}: temp files survived: {staging}"
    present = {track for _, _, track in rows.values()}
    with expect.lock:
        assert not expect.errors, f"round {round_number}: {expect.errors}"
        lost = expect.tracks - expect.deleted - expect.maybe_deleted - present
        assert not lost, f"round {round_number}: acknowledged uploads lost: {lost}"
        back = expect.deleted & present
        assert not back, f"round {round_number}: acknowledged deletions came back: {back}"
        for playlist, title in expect.titles.items():
            allowed = {title, expect.maybe_titles.get(playlist)}
            assert titles.get(playlist) in allowed, f"round {round_number}: {playlist} is {titles.get(playlist)!r}, acknowledged {title!r}"
        # What was in flight was either kept or not: from now on the box's word is the truth.
        expect.deleted |= expect.maybe_deleted - present
        expect.maybe_deleted.clear()
        for playlist in list(expect.maybe_titles):
            expect.titles[playlist] = titles[playlist]
        expect.maybe_titles.clear()
        player_in_flight = expect.player_in_flight
        heard = expect.heard
        last_command = expect.last_command
        expect.heard = None
        expect.player_in_flight = False
        expect.last_command = 0.0  # a new life: what it hears is polled afresh

    def within(heard, until):
        """Whether the resume point is where `heard` says the listener was by `until`."""
        if not heard or heard[1] != listening or not heard[2] or resume is None or resume[0] != heard[2]:
            return False
        polled_at, _, _, position, playing = heard
        position += int((until - polled_at) * 1000) if playing else 0
        return position - SAVE_INTERVAL_MS - 500 <= resume[1] <= position + 300

    if player_in_flight or cut_at - last_command < SETTLE_S:
        return "a player command within 0.5 s of the cut" if not player_in_flight else "a player command in flight"
    if not heard or heard[0] < last_command + 0.1:
        return "nothing heard since the last player command"
    if heard[1] != listening or not heard[2]:
        return "another playlist, or none, loaded"
    assert resume is not None, f"round {round_number}: no resume point after hearing {heard}"
    if resume[0] != heard[2]:
        return "the resume point is of the other track"
    assert within(heard, cut_at), \
        f"round {round_number}: resume point {resume} ms, last heard {heard} ({cut_at - heard[0]:.2f} s before the cut)"
    return "checked"


def test_a_hundred_power_cuts_lose_nothing_acknowledged(tmp_path_factory):
    rng = random.Random(21)
    work = str(tmp_path_factory.mktemp("powercut"))
    media = os.path.join(work, "media-src")
    os.makedirs(media)
    songs = [make_audio(media, f"song-{n}", "mp3", 1.0, frequency=300 + 40 * n) for n in range(4)]
    long_song = make_audio(media, "long", "mp3", 150.0)
    mount = PowerCutMount(work)
    expect = Expectations()
    started = time.time()
    resumes_checked = 0
    outcomes = {}
    try:
        mount.mount()
        box = Box(mount, expect, rng, songs)
        # The library to work on: a playlist to listen to (linked to the tag), two to upload into.
        listening = box.api("POST", "playlists", json={"title": "Listening"})["data"]["id"]
        assert upload(box.daemon, listening, long_song).status_code == 201
        assert upload(box.daemon, listening, long_song, filename="again.mp3").status_code == 201
        box.api("POST", "nfc/associate", json={"tag_id": TAG, "playlist_id": listening})
        for title in ("Uploads A", "Uploads B"):
            made = box.api("POST", "playlists", json={"title": title})["data"]
            expect.titles[made["id"]] = title
        expect.titles[listening] = "Listening"
        for round_number in range(CUTS):
            worker = threading.Thread(target=box.busy, args=(listening,))
            listener = threading.Thread(target=box.listen)
            worker.start()
            listener.start()
            time.sleep(rng.uniform(0.05, 1.5))
            # The cut: the box and its unsynced writes go at once.
            box.daemon.proc.send_signal(signal.SIGKILL)
            cut_at = time.perf_counter()
            mount.cut()
            box.daemon.proc.wait()
            box.stop.set()
            worker.join(timeout=30)
            listener.join(timeout=30)
            assert not worker.is_alive(), "the worker hung"
            mount.mount()
            box = Box(mount, expect, rng, songs)
            outcome = check(box.daemon, expect, listening, cut_at, round_number)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            resumes_checked += outcome == "checked"
        print(f"\n{CUTS} cuts in {time.time() - started:.0f} s: {len(expect.tracks)} uploads acknowledged,"
              f" {len(expect.deleted)} deleted, {len(expect.titles)} playlists; resume points: {outcomes}")
        assert len(expect.tracks) >= CUTS and resumes_checked >= CUTS // 10, "the cuts did not land on enough work"
        box.daemon.terminate()
    finally:
        try:
            box.daemon.proc.kill()
        except Exception:
            pass
        mount.unmount()
        shutil.rmtree(work, ignore_errors=True)
