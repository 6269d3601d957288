"""Songs from a link: the real binary runs yt-dlp (PyPI's, its generic extractor) in a child
process against a local web server, checks the file and adds it like an upload; the reference
contract's §7 events reach a python-socketio client."""
import http.server
import os
import subprocess
import tempfile
import threading
import time

import requests

from daemon import Daemon
from helpers import Recorder, wait_for


class SongServer:
    """A web server with a page that has an <audio> tag, and the MP3 it points at, sent in
    pieces (`chunk` bytes every `pause` seconds) so a download takes a while and reports progress."""

    def __init__(self, seconds=20, chunk=32_768, pause=0.05):
        self.dir = tempfile.mkdtemp(prefix="musicboxd-links-")
        self.song = os.path.join(self.dir, "song.mp3")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                        "-ac", "2", "-b:a", "128k", "-metadata", "title=Linked Song", self.song], check=True)
        with open(os.path.join(self.dir, "page.html"), "w") as page:
            page.write('<html><head><title>Our page</title></head><body><audio src="song.mp3" controls></audio></body></html>')
        self.chunk, self.pause = chunk, pause
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=server.dir, **kwargs)

            def copyfile(self, source, destination):
                while True:
                    data = source.read(server.chunk)
                    if not data:
                        return
                    try:
                        destination.write(data)
                        destination.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    time.sleep(server.pause)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def new_playlist(daemon, title="Links"):
    return requests.post(f"{daemon.url}/api/playlists", json={"title": title}, timeout=5).json()["data"]["id"]


def add_link(daemon, playlist, url, socket_id=None):
    headers = {"X-Socket-ID": socket_id} if socket_id else {}
    return requests.post(f"{daemon.url}/api/playlists/{playlist}/links", json={"url": url}, headers=headers, timeout=10)


def events(client, name):
    return [e for (e,) in client.received(name)]


def leftovers(daemon):
    return sorted(name for name in os.listdir(os.path.join(daemon.data, "links")) if name != "tasks.json")


def test_a_song_from_a_page_is_fetched_checked_and_added():
    """A page with an <audio> tag: `youtube:progress` several times, rising, through
    downloading and processing; `youtube:complete` with the track; the file decodes to its
    length; the requester gets the events without having joined the playlist's room."""
    songs = SongServer(seconds=20)
    daemon = Daemon()
    try:
        playlist = new_playlist(daemon)
        watcher = Recorder(daemon.url, ["websocket"])
        watcher.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        requester = Recorder(daemon.url, ["websocket"])
        reply = add_link(daemon, playlist, f"{songs.url}/page.html", socket_id=requester.client.get_sid())
        assert reply.status_code == 202, reply.text
        task = reply.json()["data"]
        assert task["status"] == "pending" and task["playlist_id"] == playlist and "requester" not in task
        for client in (watcher, requester):
            assert wait_for(lambda: events(client, "youtube:complete"), timeout=30), events(client, "youtube:progress")
        progress = [e for e in events(requester, "youtube:progress") if e["task_id"] == task["task_id"]]
        assert len(progress) >= 4, progress
        statuses = [e["status"] for e in progress]
        assert statuses[0] == "pending" and "downloading" in statuses and statuses[-1] == "processing", statuses
        downloading = [e["progress_percent"] for e in progress if e["status"] == "downloading"]
        assert downloading == sorted(downloading) and len(set(downloading)) >= 3, downloading
        assert all({"task_id", "status", "progress_percent", "current_step", "estimated_time_remaining"} <= set(e) for e in progress)
        (complete,) = events(requester, "youtube:complete")
        assert complete["task_id"] == task["task_id"] and complete["playlist_id"] == playlist
        track = complete["track"]
        assert track["title"] == "Linked Song" and abs(track["duration_ms"] - 20_000) <= 50, track
        assert [t["id"] for t in requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"]] == [track["id"]]
        audio = requests.get(f"{daemon.url}/api/tracks/{track['id']}/audio", timeout=10)
        assert audio.status_code == 200
        decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
                                 input=audio.content, capture_output=True, check=True)
        assert decoded.stderr == b"" and abs(len(decoded.stdout) / 2 / 8000 - 20) < 0.1
        listed = requests.get(f"{daemon.url}/api/playlists/{playlist}/links", timeout=5).json()["data"]["tasks"]
        assert listed[0]["task_id"] == task["task_id"] and listed[0]["status"] == "completed" and listed[0]["track_id"] == track["id"]
        assert leftovers(daemon) == []
        watcher.close()
        requester.close()
    finally:
        daemon.stop()
        songs.close()


def test_a_cancelled_link_leaves_nothing_and_a_missing_one_is_an_error():
    """Cancel mid-download: the child is killed, `youtube:error`, no file, no row. A third task
    beside two running ones is refused (429). A 404 gives `youtube:error` naming it."""
    songs = SongServer(seconds=120, chunk=4096, pause=0.1)  # ~2 MB at 40 KB/s: a minute
    daemon = Daemon()
    try:
        playlist = new_playlist(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        first = add_link(daemon, playlist, f"{songs.url}/song.mp3").json()["data"]
        second = add_link(daemon, playlist, f"{songs.url}/page.html").json()["data"]
        third = add_link(daemon, playlist, f"{songs.url}/song.mp3")
        assert third.status_code == 429 and third.json()["error_type"] == "rate_limited", third.text
        assert wait_for(lambda: any(e["task_id"] == first["task_id"] and e["status"] == "downloading" and e["progress_percent"] > 0
                                    for e in events(client, "youtube:progress")), timeout=20)
        assert leftovers(daemon), "yt-dlp is writing into the links folder"
        for task in (first, second):
            reply = requests.delete(f"{daemon.url}/api/playlists/{playlist}/links/{task['task_id']}", timeout=5)
            assert reply.status_code == 200, reply.text
        assert wait_for(lambda: len(events(client, "youtube:error")) == 2, timeout=10)
        assert {e["message"] for e in events(client, "youtube:error")} == {"Cancelled."}
        assert wait_for(lambda: leftovers(daemon) == [], timeout=5), leftovers(daemon)
        time.sleep(0.5)
        # SIGTERM ends them (the daemon ignores it for itself; its children must not).
        children = lambda: subprocess.run(["pgrep", "-f", "--", f"{daemon.data}/links/"], capture_output=True, text=True).stdout
        assert wait_for(lambda: children() == "", timeout=1.5), children()
        assert leftovers(daemon) == [] and events(client, "youtube:complete") == []
        assert requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"] == []
        assert os.listdir(os.path.join(daemon.data, "media")) == []

        missing = add_link(daemon, playlist, f"{songs.url}/gone.mp3").json()["data"]
        assert wait_for(lambda: any(e["task_id"] == missing["task_id"] for e in events(client, "youtube:error")), timeout=20)
        (error,) = [e for e in events(client, "youtube:error") if e["task_id"] == missing["task_id"]]
        assert "404" in error["message"] and error["error_type"] == "download_failed", error
        for bad in ["ftp://x/y", "not a link", ""]:
            reply = add_link(daemon, playlist, bad)
            assert reply.status_code == 400 and reply.json()["error_type"] == "validation_error", (bad, reply.text)
        client.close()
    finally:
        daemon.stop()
        songs.close()


def test_a_task_cut_by_a_restart_reads_as_an_error():
    songs = SongServer(seconds=120, chunk=4096, pause=0.1)
    daemon = Daemon()
    try:
        playlist = new_playlist(daemon)
        task = add_link(daemon, playlist, f"{songs.url}/song.mp3").json()["data"]
        assert wait_for(lambda: leftovers(daemon), timeout=20)
        daemon.terminate()
        daemon.start()
        (listed,) = requests.get(f"{daemon.url}/api/playlists/{playlist}/links", timeout=5).json()["data"]["tasks"]
        assert listed["task_id"] == task["task_id"] and listed["status"] == "error" and "restarted" in listed["message"], listed
        assert leftovers(daemon) == []
        assert requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"] == []
    finally:
        daemon.stop()
        songs.close()


def test_without_yt_dlp_links_are_refused_and_health_says_why():
    daemon = Daemon(env_extra={"MUSICBOXD_LINKS_YTDLP": "/nonexistent/yt-dlp"})
    try:
        playlist = new_playlist(daemon)
        reply = add_link(daemon, playlist, "http://127.0.0.1:9/song.mp3")
        assert reply.status_code == 503, reply.text
        body = reply.json()
        assert body["error_type"] == "unavailable" and body["details"]["reason"] == "ytdlp_missing" and "yt-dlp" in body["message"]
        health = requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]
        assert health["components"]["links"] == "unavailable" and "yt-dlp" in health["problems"]["links"]
        # Music still plays without it: the box is not called degraded for an extra.
        assert health["status"] == "healthy", health
    finally:
        daemon.stop()
