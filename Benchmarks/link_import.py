#!/usr/bin/env python3
"""Songs from a link: a 20 MB MP3 fetched through the box (POST /api/playlists/{id}/links ->
youtube:complete at a python-socketio client: yt-dlp, then the hash, the full decode check and
the commit) against the same yt-dlp alone on the same URL (same arguments, same folder's file
system), in the same run. The web server is local and unthrottled, so what differs is the box's
own work around yt-dlp.
"""
import argparse
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "socketio"))
from daemon import Daemon  # noqa: E402
from helpers import Recorder, wait_for  # noqa: E402

YTDLP = os.path.join(os.path.dirname(sys.executable), "yt-dlp")


def serve(directory):
    handler = lambda *args, **kwargs: http.server.SimpleHTTPRequestHandler(*args, directory=directory, **kwargs)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None  # yt-dlp may close a connection early
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="musicboxd to measure (default: MUSICBOXD_BINARY or the debug build)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.binary:
        os.environ["MUSICBOXD_BINARY"] = args.binary
    work = tempfile.mkdtemp(prefix="musicboxd-link-bench-")
    song = os.path.join(work, "big.mp3")
    # 1250 s at 128 kb/s: 20 MB.
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anoisesrc=color=pink:duration=1250:sample_rate=44100:amplitude=0.2",
                    "-ac", "2", "-b:a", "128k", song], check=True)
    size = os.path.getsize(song)
    server = serve(work)
    url = f"http://127.0.0.1:{server.server_address[1]}/big.mp3"
    daemon = Daemon()
    alone, box = [], []
    try:
        out = os.path.join(daemon.data, "bench-alone")
        os.makedirs(out)
        playlist = requests.post(f"{daemon.url}/api/playlists", json={"title": "Big"}, timeout=5).json()["data"]["id"]
        client = Recorder(daemon.url, ["websocket"])
        for run in range(args.runs):
            started = time.monotonic()
            subprocess.run([YTDLP, "--ignore-config", "--no-playlist", "--no-cache-dir", "--no-part", "--quiet",
                            "--format", "bestaudio/best", "--output", f"{out}/{run}.%(ext)s", "--", url], check=True)
            alone.append(time.monotonic() - started)
            shutil.rmtree(out)
            os.makedirs(out)

            before = len(client.received("youtube:complete"))
            started = time.monotonic()
            reply = requests.post(f"{daemon.url}/api/playlists/{playlist}/links", json={"url": url},
                                  headers={"X-Socket-ID": client.client.get_sid()}, timeout=10)
            reply.raise_for_status()
            if not wait_for(lambda: len(client.received("youtube:complete")) > before, timeout=300, interval=0.005):
                raise SystemExit(f"no youtube:complete: {client.received('youtube:error')}")
            box.append(time.monotonic() - started)
        client.close()
    finally:
        daemon.stop()
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    a, b = statistics.median(alone), statistics.median(box)
    print(f"{size / 1e6:.1f} MB MP3 over local HTTP, {args.runs} runs each, medians:")
    print(f"  yt-dlp alone: {a:.2f} s (min {min(alone):.2f})")
    print(f"  through the box, POST -> youtube:complete: {b:.2f} s (min {min(box):.2f}); box / yt-dlp alone: {b / a:.2f}x")


if __name__ == "__main__":
    main()
