"""Podcasts: a playlist follows an RSS or Atom feed served by a local web server; the real
binary reads it and downloads the newest episodes (FFmpeg's http, no yt-dlp: these daemons are
given none), checks and adds them like uploads."""
import http.server
import os
import subprocess
import tempfile
import threading

import requests

from daemon import Daemon
from helpers import wait_for

LENGTHS = {1: 2, 2: 4, 3: 6, 4: 3}  # seconds of each episode


NO_YTDLP = {"MUSICBOXD_LINKS_YTDLP": "/nonexistent/yt-dlp"}


def feed_xml(base, numbers):
    items = "".join(
        f"<item><title>Episode {n}: Story &amp; Song</title><guid isPermaLink=\"false\">story-{n}</guid>"
        f"<pubDate>{['Mon, 30 Nov', 'Tue, 01 Dec', 'Wed, 02 Dec', 'Thu, 03 Dec'][n - 1]} 2026 08:00:00 +0000</pubDate>"
        f"<itunes:duration>{LENGTHS[n]}</itunes:duration>"
        f"<enclosure url=\"{base}/ep{n}.mp3\" type=\"audio/mpeg\" length=\"{LENGTHS[n] * 8000}\"/></item>"
        for n in sorted(numbers, reverse=True))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\">"
            f"<channel><title>Bedtime Stories</title><link>{base}/</link><description>Stories</description>{items}</channel></rss>")


class FeedServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="musicboxd-feed-")
        for n, seconds in LENGTHS.items():
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={300 + 100 * n}:duration={seconds}",
                            "-ac", "2", "-b:a", "64k", os.path.join(self.dir, f"ep{n}.mp3")], check=True)
        handler = lambda *args, **kwargs: http.server.SimpleHTTPRequestHandler(*args, directory=self.dir, **kwargs)
        http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, numbers=None, text=None, name="feed.xml"):
        with open(os.path.join(self.dir, name), "w") as out:
            out.write(text if text is not None else feed_xml(self.url, numbers))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def tracks(daemon, playlist):
    return requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"]


def test_a_playlist_follows_a_podcast_keeps_the_newest_episodes_and_survives_a_broken_feed():
    server = FeedServer()
    server.publish([1, 2, 3])
    daemon = Daemon(env_extra=NO_YTDLP)
    try:
        playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Stories"}, timeout=5).json()["data"]["id"]
        reply = requests.put(f"{daemon.url}/api/playlists/{playlist}/feed", json={"url": f"{server.url}/feed.xml", "keep": 2}, timeout=60)
        assert reply.status_code == 200, reply.text
        feed = reply.json()["data"]
        assert feed["keep"] == 2 and feed["error"] is None and feed["checked_at"]
        assert [e["title"] for e in feed["episodes"]] == [f"Episode {n}: Story & Song" for n in (3, 2, 1)]
        assert [e["guid"] for e in feed["episodes"]] == ["story-3", "story-2", "story-1"]
        assert [e["duration_ms"] for e in feed["episodes"]] == [6000, 4000, 2000]
        assert feed["episodes"][0]["published_at"] == 1796198400000

        # The newest two download, newest first; their lengths are the files' own.
        assert wait_for(lambda: len(tracks(daemon, playlist)) == 2, timeout=60), tracks(daemon, playlist)
        got = tracks(daemon, playlist)
        assert [t["title"] for t in got] == ["Episode 3: Story & Song", "Episode 2: Story & Song"]
        for track, seconds in zip(got, (6, 4)):
            assert abs(track["duration_ms"] - seconds * 1000) <= 50, track
        listed = requests.get(f"{daemon.url}/api/playlists/{playlist}/feed", timeout=5).json()["data"]["episodes"]
        assert [e["downloaded"] for e in listed] == [True, True, False]

        # A new episode: listed after a refresh, downloaded, first in the playlist; the oldest
        # downloaded one beyond the two kept is removed (its file too).
        media = lambda: sorted(os.listdir(os.path.join(daemon.data, "media")))
        old_file = [name for name in media() if name.startswith(got[1]["id"])]
        assert len(old_file) == 1
        server.publish([1, 2, 3, 4])
        refreshed = requests.post(f"{daemon.url}/api/playlists/{playlist}/feed/refresh", timeout=60).json()["data"]
        assert [e["guid"] for e in refreshed["episodes"]] == ["story-4", "story-3", "story-2", "story-1"]
        assert wait_for(lambda: [t["title"][:9] for t in tracks(daemon, playlist)] == ["Episode 4", "Episode 3"], timeout=60), \
            [t["title"] for t in tracks(daemon, playlist)]
        assert wait_for(lambda: old_file[0] not in media() and len(media()) == 2, timeout=5), media()
        listed = requests.get(f"{daemon.url}/api/playlists/{playlist}/feed", timeout=5).json()["data"]["episodes"]
        assert [e["downloaded"] for e in listed] == [True, True, False, False]

        # A broken feed: the refresh says why, every episode and track stays.
        server.publish(text="<html>this is not a feed")
        broken = requests.post(f"{daemon.url}/api/playlists/{playlist}/feed/refresh", timeout=60).json()["data"]
        assert broken["error"] and len(broken["episodes"]) == 4, broken
        assert len(tracks(daemon, playlist)) == 2
        os.remove(os.path.join(server.dir, "feed.xml"))
        gone = requests.post(f"{daemon.url}/api/playlists/{playlist}/feed/refresh", timeout=60).json()["data"]
        assert "404" in gone["error"] and len(gone["episodes"]) == 4, gone
        assert os.listdir(os.path.join(daemon.data, "feeds")) == []
    finally:
        daemon.stop()
        server.close()


def test_an_address_that_is_no_feed_is_refused():
    server = FeedServer()
    daemon = Daemon(env_extra=NO_YTDLP)
    try:
        playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Stories"}, timeout=5).json()["data"]["id"]
        for url, reason in [(f"{server.url}/ep1.mp3", "not_a_feed"), (f"{server.url}/missing.xml", "not_found")]:
            reply = requests.put(f"{daemon.url}/api/playlists/{playlist}/feed", json={"url": url}, timeout=60)
            assert reply.status_code == 502 and reply.json()["error_type"] == "download_failed", reply.text
            assert reply.json()["details"]["reason"] == reason, reply.text
        bad = requests.put(f"{daemon.url}/api/playlists/{playlist}/feed", json={"url": f"{server.url}/feed.xml", "keep": 0}, timeout=10)
        assert bad.status_code == 400 and bad.json()["details"]["field"] == "keep"
        none = requests.get(f"{daemon.url}/api/playlists/{playlist}/feed", timeout=5)
        assert none.status_code == 200 and none.json()["data"] is None, none.text
    finally:
        daemon.stop()
        server.close()


def atom_xml(base, numbers):
    entries = "".join(
        f"<entry><title>Tale {n}</title><id>urn:tale:{n}</id><updated>2026-12-0{n}T07:00:00+01:00</updated>"
        f"<link rel=\"alternate\" href=\"{base}/tale{n}.html\"/><link rel=\"enclosure\" href=\"{base}/ep{n}.mp3\" type=\"audio/mpeg\"/></entry>"
        for n in sorted(numbers, reverse=True))
    return f"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Atom Tales</title><id>urn:tales</id>{entries}</feed>"


def test_an_atom_feed_is_followed_and_its_newest_entry_downloaded():
    server = FeedServer()
    server.publish(text=atom_xml(server.url, [1, 2, 3]), name="atom.xml")
    daemon = Daemon(env_extra=NO_YTDLP)
    try:
        playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Tales"}, timeout=5).json()["data"]["id"]
        reply = requests.put(f"{daemon.url}/api/playlists/{playlist}/feed", json={"url": f"{server.url}/atom.xml", "keep": 1}, timeout=60)
        assert reply.status_code == 200, reply.text
        feed = reply.json()["data"]
        assert [e["guid"] for e in feed["episodes"]] == ["urn:tale:3", "urn:tale:2", "urn:tale:1"]
        assert feed["episodes"][0]["published_at"] == 1796277600000  # 2026-12-03T06:00:00Z
        assert wait_for(lambda: [t["title"] for t in tracks(daemon, playlist)] == ["Tale 3"], timeout=60), tracks(daemon, playlist)
        track = tracks(daemon, playlist)[0]
        assert abs(track["duration_ms"] - 6000) <= 50, track
        audio = requests.get(f"{daemon.url}/api/tracks/{track['id']}/audio", timeout=5)
        assert audio.status_code == 200 and audio.content == open(os.path.join(server.dir, "ep3.mp3"), "rb").read()
    finally:
        daemon.stop()
        server.close()


def test_an_episode_larger_than_the_upload_limit_is_not_kept_and_the_feed_says_why():
    server = FeedServer()
    with open(os.path.join(server.dir, "ep4.mp3"), "wb") as out:
        out.write(os.urandom(3 << 20))  # 3 MB against a 2 MB limit
    server.publish([1, 4])
    daemon = Daemon(env_extra={**NO_YTDLP, "MUSICBOXD_UPLOADS_MAX_FILE_MB": "2"})
    try:
        playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Stories"}, timeout=5).json()["data"]["id"]
        reply = requests.put(f"{daemon.url}/api/playlists/{playlist}/feed", json={"url": f"{server.url}/feed.xml", "keep": 2}, timeout=60)
        assert reply.status_code == 200, reply.text
        feed_now = lambda: requests.get(f"{daemon.url}/api/playlists/{playlist}/feed", timeout=5).json()["data"]
        assert wait_for(lambda: feed_now()["error"], timeout=30), feed_now()
        assert "Episode 4" in feed_now()["error"] and "larger than" in feed_now()["error"], feed_now()
        assert tracks(daemon, playlist) == []
        assert os.listdir(os.path.join(daemon.data, "feeds")) == []
    finally:
        daemon.stop()
        server.close()
