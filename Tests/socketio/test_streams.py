"""Web radio: the real binary tunes in to a real Icecast 2 server (Debian's icecast2, fed by
ffmpeg with a sine tone) and plays it through real ALSA (its `file` plugin, captured)."""
import array
import os
import socket
import tempfile
import time

import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from icecast import Icecast, free_port
from test_daemon_audio import audio_ready, frequency, tone


def captured(path, seconds=None):
    samples = array.array("h")
    with open(path, "rb") as raw:
        samples.frombytes(raw.read())
    if seconds is not None:
        samples = samples[-int(seconds * 48_000) * 2:]
    return samples


def real_audio_daemon(work, **extra):
    capture = os.path.join(work, "out.raw")
    daemon = Daemon(hardware="real", env_extra={"MUSICBOXD_AUDIO_DEVICE": f"file:FILE={capture},FORMAT=raw",
                                               "HOME": work, "XDG_RUNTIME_DIR": work, **extra})
    return daemon, capture


def new_playlist(daemon, title):
    reply = requests.post(f"{daemon.url}/api/playlists", json={"title": title}, timeout=5)
    assert reply.status_code in (200, 201), reply.text
    return reply.json()["data"]["id"]


def add_stream(daemon, playlist, url, **body):
    return requests.post(f"{daemon.url}/api/playlists/{playlist}/streams", json={"url": url, **body}, timeout=20)


def players(client):
    return [e["data"] for (e,) in client.received("state:player")]


def test_a_stream_plays_through_alsa_and_its_title_follows_the_station():
    """Added by a parent (the box listens to it first), played: the tone is heard at its
    frequency; `state:player` says `source: "stream"`; each ICY title change reaches a
    python-socketio client within 1 s of the station's."""
    work = tempfile.mkdtemp(prefix="musicboxd-stream-")
    # 320 kb/s: Icecast sends its metadata every 16000 bytes, 0.4 s of this stream.
    radio = Icecast(frequency=440, codec=("-c:a", "libmp3lame", "-b:a", "320k")).start()
    daemon, capture = real_audio_daemon(work)
    try:
        playlist = new_playlist(daemon, "Radio")
        reply = add_stream(daemon, playlist, radio.url, title="Test FM")
        assert reply.status_code == 201, reply.text
        track = reply.json()["data"]
        assert track["kind"] == "stream" and track["stream_url"] == radio.url and track["title"] == "Test FM"
        assert track["duration_ms"] == 0
        # Without a title, and the station naming none: the server's name.
        unnamed = add_stream(daemon, playlist, radio.url)
        assert unnamed.status_code == 201 and unnamed.json()["data"]["title"] == "127.0.0.1", unnamed.text
        assert audio_ready(daemon)
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: any(p["source"] == "stream" and p["state"] == "playing" for p in players(client)), timeout=5)
        assert wait_for(lambda: os.path.exists(capture) and os.path.getsize(capture) > 48_000 * 4 * 2, timeout=10)
        heard = frequency(captured(capture, seconds=1.5))
        assert abs(heard - 440) < 440 * 0.02, heard
        for title in ["First Song", "Zweites Lied – Ärger", "Third's Song"]:
            before = len(client.received("state:player"))
            radio.set_title(title)
            changed = time.monotonic()
            assert wait_for(lambda: any(p["stream_title"] == title for p in players(client)[before:]), timeout=3), \
                [p["stream_title"] for p in players(client)]
            delay = time.monotonic() - changed
            print(f"title {title!r} at the client {delay * 1000:.0f} ms after the station changed it")
            assert delay < 1.0
        status = requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert status["source"] == "stream" and status["stream_title"] == "Third's Song" and status["duration_ms"] == 0
        # A live stream has no place to seek to.
        seek = requests.post(f"{daemon.url}/api/player/seek", json={"position_ms": 1000}, timeout=5)
        assert seek.status_code == 409 and seek.json()["details"]["reason"] == "live_stream", seek.text
        client.close()
    finally:
        daemon.stop()
        radio.close()


def test_a_stream_that_drops_is_reconnected_when_it_returns():
    """The station goes off the air mid-play and comes back on the same address (now at 660 Hz):
    the box reconnects by itself, plays the new tone, and never gives up or skips."""
    work = tempfile.mkdtemp(prefix="musicboxd-stream-")
    radio = Icecast(frequency=440).start()
    daemon, capture = real_audio_daemon(work)
    try:
        playlist = new_playlist(daemon, "Radio")
        assert add_stream(daemon, playlist, radio.url, title="Flaky FM").status_code == 201
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: os.path.exists(capture) and os.path.getsize(capture) > 48_000 * 4, timeout=10)
        assert abs(frequency(captured(capture, seconds=0.8)) - 440) < 9
        radio.stop()
        # Listeners are told: the stream is being reconnected (not a silent box).
        assert wait_for(lambda: any(p["stream_status"] == "reconnecting" for p in players(client)), timeout=15), \
            [p["stream_status"] for p in players(client)]
        time.sleep(1)
        radio.frequency = 660
        radio.start()
        size = os.path.getsize(capture)
        assert wait_for(lambda: os.path.getsize(capture) > size + 48_000 * 4 * 2, timeout=15)
        assert wait_for(lambda: abs(frequency(captured(capture, seconds=0.8)) - 660) < 13, timeout=5)
        assert client.received("playback:error") == []
        assert wait_for(lambda: players(client)[-1]["stream_status"] == "live", timeout=5)
        status = requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert status["state"] == "playing" and status["source"] == "stream" and status["stream_status"] == "live"
        client.close()
    finally:
        daemon.stop()
        radio.close()


def test_an_unreachable_stream_is_announced_and_the_next_item_plays():
    """Adding an address where no station answers is refused at once (502 stream_unavailable);
    a station in a playlist that has gone off the air gives `playback:error` with that code, and
    the next item plays."""
    work = tempfile.mkdtemp(prefix="musicboxd-stream-")
    radio = Icecast(frequency=440).start()
    daemon, capture = real_audio_daemon(work)
    try:
        playlist = daemon.seed_playlist("Mixed", [600], files=[tone(os.path.join(work, "b.flac"), 660, 0.6)])
        closed = f"http://127.0.0.1:{free_port()}/nothing.mp3"
        refused = add_stream(daemon, playlist, closed)
        assert refused.status_code == 502, refused.text
        assert refused.json()["error_type"] == "stream_unavailable"
        assert refused.json()["details"]["reason"] == "unreachable"
        missing = add_stream(daemon, playlist, radio.url.replace("radio.mp3", "none.mp3"))
        assert missing.status_code == 502 and missing.json()["details"]["reason"] == "not_found", missing.text
        for bad in ["ftp://example.com/a.mp3", "http://", "file:///etc/passwd", "http://a b/", "x" * 3000]:
            reply = add_stream(daemon, playlist, bad)
            assert reply.status_code == 400 and reply.json()["error_type"] == "validation_error", (bad, reply.text)
        stream = add_stream(daemon, playlist, radio.url, title="Gone FM").json()["data"]
        file_track = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"][0]
        requests.post(f"{daemon.url}/api/playlists/{playlist}/reorder",
                      json={"track_ids": [stream["id"], file_track["id"]]}, timeout=5).raise_for_status()
        radio.stop()
        assert audio_ready(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: client.received("playback:error"), timeout=10)
        (event,) = client.received("playback:error")[0]
        assert event["data"]["track_id"] == stream["id"] and event["data"]["error_type"] == "stream_unavailable", event
        assert wait_for(lambda: any(p["active_track_id"] == file_track["id"] for p in players(client)), timeout=5)
        assert wait_for(lambda: os.path.exists(capture) and os.path.getsize(capture) > 48_000 * 4 // 2, timeout=5)
        client.close()
    finally:
        daemon.stop()
        radio.close()


def certificate(work, name, san):
    """A certificate for `san`, signed by a CA of this test: (ca.pem, cert.pem, key.pem)."""
    import subprocess
    ca_key, ca = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
    if not os.path.exists(ca):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=musicboxd test CA",
                        "-keyout", ca_key, "-out", ca], check=True, capture_output=True)
    key, request, cert = (os.path.join(work, f"{name}.{ext}") for ext in ("key", "csr", "pem"))
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", key, "-out", request],
                   check=True, capture_output=True)
    extensions = os.path.join(work, f"{name}.ext")
    with open(extensions, "w") as out:
        out.write(f"subjectAltName={san}\n")
    subprocess.run(["openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
                    "-extfile", extensions, "-out", cert], check=True, capture_output=True)
    return ca, cert, key


class HTTPSRadio:
    """An https server that plays a long MP3 as a stream, in real time (a thread of this test)."""

    def __init__(self, work, cert, key, frequency=440):
        import http.server
        import ssl
        import subprocess
        import threading
        media = os.path.join(work, f"radio-{frequency}.mp3")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration=60:sample_rate=44100",
                        "-ac", "2", "-b:a", "128k", media], check=True)
        with open(media, "rb") as source:
            body = source.read()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                try:
                    for offset in range(0, len(body), 16_000):  # 1 s at 128 kb/s
                        self.wfile.write(body[offset:offset + 16_000])
                        time.sleep(0.9)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/live.mp3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_an_https_stream_plays_only_when_its_certificate_checks_out():
    """TLS through FFmpeg and GnuTLS: a station whose certificate the box's CA file vouches for
    plays; the same station is refused when the box does not trust its CA (the system's
    certificates), and so is one whose certificate names another host."""
    work = tempfile.mkdtemp(prefix="musicboxd-stream-")
    ca, cert, key = certificate(work, "station", "IP:127.0.0.1")
    _, wrong_cert, wrong_key = certificate(work, "elsewhere", "DNS:elsewhere.example")
    good, wrong = HTTPSRadio(work, cert, key), HTTPSRadio(work, wrong_cert, wrong_key)
    trusting, capture = real_audio_daemon(work, MUSICBOXD_STREAMS_CA_FILE=ca)
    untrusting = Daemon()
    try:
        playlist = new_playlist(untrusting, "Radio")
        refused = add_stream(untrusting, playlist, good.url)
        assert refused.status_code == 502 and refused.json()["error_type"] == "stream_unavailable", refused.text

        playlist = new_playlist(trusting, "Radio")
        other_host = add_stream(trusting, playlist, wrong.url)
        assert other_host.status_code == 502 and other_host.json()["error_type"] == "stream_unavailable", other_host.text
        added = add_stream(trusting, playlist, good.url, title="Secure FM")
        assert added.status_code == 201, added.text
        assert audio_ready(trusting)
        requests.post(f"{trusting.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        requests.post(f"{trusting.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: os.path.exists(capture) and os.path.getsize(capture) > 48_000 * 4 * 2, timeout=10)
        heard = frequency(captured(capture, seconds=1.5))
        assert abs(heard - 440) < 440 * 0.02, heard
    finally:
        trusting.stop()
        untrusting.stop()
        good.close()
        wrong.close()


def test_a_live_hls_stream_plays():
    """HLS (an .m3u8 playlist of AAC segments that ffmpeg writes live, served over HTTP): FFmpeg's
    HLS demuxer in our build fetches the playlist and its segments; the tone is heard."""
    import http.server
    import subprocess
    import threading
    work = tempfile.mkdtemp(prefix="musicboxd-hls-")
    site = os.path.join(work, "site")
    os.makedirs(site)
    writer = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100", "-ac", "2",
         "-c:a", "aac", "-b:a", "96k", "-f", "hls", "-hls_time", "1", "-hls_list_size", "6", "-hls_flags", "delete_segments",
         os.path.join(site, "live.m3u8")], stdin=subprocess.DEVNULL)
    handler = lambda *args, **kwargs: http.server.SimpleHTTPRequestHandler(*args, directory=site, **kwargs)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    daemon, capture = real_audio_daemon(work)
    try:
        assert wait_for(lambda: os.path.exists(os.path.join(site, "live.m3u8")) and len(os.listdir(site)) >= 4, timeout=15)
        playlist = new_playlist(daemon, "HLS")
        url = f"http://127.0.0.1:{server.server_address[1]}/live.m3u8"
        added = add_stream(daemon, playlist, url, title="HLS FM")
        assert added.status_code == 201, added.text
        assert audio_ready(daemon)
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: os.path.exists(capture) and os.path.getsize(capture) > 48_000 * 4 * 3, timeout=15)
        heard = frequency(captured(capture, seconds=1.5))
        assert abs(heard - 660) < 660 * 0.02, heard
        assert requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "playing"
    finally:
        daemon.stop()
        writer.terminate()
        writer.wait()
        server.shutdown()


def test_a_live_hls_stream_with_timed_id3_shows_each_title_as_it_changes():
    """HLS timed metadata (Apple's: an ID3 tag in an MPEG-TS stream of type 0x15 at each
    segment's start; `hls_station.py`): the tone is heard, and `state:player.stream_title`
    follows the tags, "artist - title", one title after another."""
    from hls_station import HLSStation
    work = tempfile.mkdtemp(prefix="musicboxd-hls-id3-")
    station = HLSStation(frequency=550, titles=("Moon Song", "Sun Song", "Star Song"), seconds_per_title=3)
    daemon, capture = real_audio_daemon(work)
    try:
        playlist = new_playlist(daemon, "HLS")
        added = add_stream(daemon, playlist, station.url, title="ID3 FM")
        assert added.status_code == 201, added.text
        assert audio_ready(daemon)
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 100}, timeout=5).raise_for_status()
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        # When each title reaches the client: the demuxer reads segments seconds ahead, but a
        # timed tag is said when its audio is heard, so titles change 3 s (of audio) apart.
        changes = []
        deadline = time.monotonic() + 25
        while len(changes) < 4 and time.monotonic() < deadline:
            shown = [p["stream_title"] for p in players(client) if p.get("stream_title")]
            if shown and (not changes or changes[-1][1] != shown[-1]):
                changes.append((time.monotonic(), shown[-1]))
            time.sleep(0.02)
        names = [f"The Testers - {song}" for song in ("Moon Song", "Sun Song", "Star Song")]
        assert len(changes) == 4, changes
        order = [title for _, title in changes]
        assert set(order) <= set(names), order
        for earlier, later in zip(order, order[1:]):
            assert names.index(later) == (names.index(earlier) + 1) % 3, order
        gaps = [later - earlier for (earlier, _), (later, _) in zip(changes[1:], changes[2:])]
        print("title changes", order, "gaps", [f"{gap:.2f}" for gap in gaps])
        # 3 s each; a loaded machine (CI's three workers) was seen at 2.0 s once.
        assert all(1.8 < gap < 4.2 for gap in gaps), gaps
        heard = frequency(captured(capture, seconds=1.5))
        assert abs(heard - 550) < 550 * 0.02, heard
        status = requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert status["source"] == "stream" and status["stream_title"] in names, status
        client.close()
    finally:
        daemon.stop()
        station.close()
