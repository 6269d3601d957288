"""The real musicboxd binary as a test fixture: a fresh data folder, a free port, simulated hardware."""
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from conftest import ROOT


class Daemon:
    def __init__(self, *extra, env_extra=None, hardware="sim", feedback_sounds=False, nofile=None, data=None):
        self.hardware = hardware
        # The open-file limit (soft and hard, as systemd's LimitNOFILE sets them); None: inherited.
        self.nofile = nofile
        self.binary = self.binary_path()
        # The data folder: a fresh one (removed by `stop`), or the caller's (left where it is).
        self.owns_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="musicboxd-realtime-")
        self.extra = list(extra)
        # Unknown MUSICBOXD_* variables are configuration errors: pass only our own.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
        # Feedback sounds would add chimes to the audio other tests capture: on only where a test asks.
        if not feedback_sounds:
            self.env["MUSICBOXD_AUDIO_FEEDBACK_SOUNDS"] = "off"
        # The simulated hardware's /api/dev/* routes (only ever served with --hardware sim).
        self.env["MUSICBOXD_SERVER_DEV_ROUTES"] = "on"
        # Songs from links: the yt-dlp of the test virtualenv (PyPI's; Debian's bookworm one is from 2023).
        ytdlp = os.path.join(os.path.dirname(sys.executable), "yt-dlp")
        if os.path.exists(ytdlp):
            self.env["MUSICBOXD_LINKS_YTDLP"] = ytdlp
        self.env.update(env_extra or {})
        self.start()

    @staticmethod
    def binary_path():
        binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
        if not os.access(binary, os.X_OK):
            pytest.fail(f"{binary} is missing: run `swift build` first")
        return binary

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "run", "--port", "0", "--host", "127.0.0.1", "--data-dir", self.data, "--hardware", self.hardware,
             *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.env,
            preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))) if self.nofile else None)
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"ready on port (\d+)", self.proc.stderr.readline() or "")
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                # Keep draining stderr so the daemon never blocks on a full pipe.
                # (TEST_DAEMON_LOG=path appends it there, to read after a failure.)
                log = open(os.environ["TEST_DAEMON_LOG"], "a") if os.environ.get("TEST_DAEMON_LOG") else subprocess.DEVNULL
                self._drain = subprocess.Popen(["cat"], stdin=self.proc.stderr, stdout=log)
                return
            if self.proc.poll() is not None:
                break
        raise RuntimeError("musicboxd did not start")

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    def seed_playlist(self, title, durations_ms, files=None):
        """Stops the daemon, writes a playlist with tracks straight into its SQLite file (and, given
        `files`, copies them into the media folder as those tracks' audio), starts it again.
        (Uploads arrive with their own issue; until then this is how tests get playable tracks.)"""
        self.terminate()
        playlist_id = str(uuid.uuid4())
        now = int(time.time() * 1000)
        with sqlite3.connect(os.path.join(self.data, "musicbox.sqlite")) as db:
            position = db.execute("SELECT COUNT(*) FROM playlists").fetchone()[0]
            db.execute("INSERT INTO playlists (id, title, description, position, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                       (playlist_id, title, "", position, now, now))
            for number, duration in enumerate(durations_ms, start=1):
                track_id = str(uuid.uuid4())
                extension = "mp3"
                if files:
                    source = files[number - 1]
                    extension = source.rsplit(".", 1)[1]
                    shutil.copy(source, os.path.join(self.data, "media", f"{track_id}.{extension}"))
                db.execute(
                    "INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename,"
                    " file_size, sha256, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (track_id, playlist_id, number, f"{title} {number}", duration, f"{track_id}.{extension}", f"{number}.{extension}",
                     1000, "00", now))
        self.start()
        return playlist_id

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.owns_data:
            shutil.rmtree(self.data, ignore_errors=True)
