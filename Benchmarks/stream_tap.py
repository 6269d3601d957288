#!/usr/bin/env python3
"""Web radio: tap -> first audible frame of a live stream, against a file tap in the same run,
and the daemon's memory over minutes of streaming.

One release daemon with real libnfc (the PN532 emulator of the tests), a paced sound device
(PulseAudio's null sink), and two tags: one linked to a playlist holding a 10-minute file, one to
a playlist holding a stream from a real Icecast 2 on loopback (fed by ffmpeg with pink noise, so
every frame is audible). The taps alternate; each is timed from the emulator's answer with the
tag to the daemon's `first sound` log line (CLOCK_MONOTONIC on both ends, as in
tap_to_sound.py). A file tap resumes where it was lifted; a stream tap connects afresh (a lift
lets go of a stream). Target: stream p50 < 300 ms.

`--memory-minutes N` then streams for N minutes and samples the daemon's resident memory every
15 s: it must stay flat (the decoder reopens nothing while the stream plays; each chunk is freed
once played).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "socketio"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
from icecast import Icecast  # noqa: E402
from paced_audio import PacedAudio  # noqa: E402
from pn532_emulator import PN532Emulator  # noqa: E402
from tap_to_sound import Daemon, setup, upload_directly  # noqa: E402

FILE_TAG, STREAM_TAG, QUICK_TAG = "04a1b2c3d4e5f6", "04b1b2c3d4e5f7", "04c1b2c3d4e5f8"


class QuickStation:
    """A station without Icecast's send cadence: a Python server that answers at once with a
    64 KiB burst of a pre-encoded MP3 (as Icecast's default burst) and then sends it in real
    time. What the box takes beyond it is the box's own."""

    def __init__(self, work):
        import http.server
        import threading
        media = os.path.join(work, "quick.mp3")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        "anoisesrc=color=pink:duration=120:sample_rate=44100:amplitude=0.3", "-ac", "2", "-b:a", "128k", media],
                       check=True)
        with open(media, "rb") as source:
            body = source.read()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                try:
                    self.wfile.write(body[:65536])
                    for offset in range(65536, len(body), 4000):  # 0.25 s at 128 kb/s
                        time.sleep(0.25)
                        self.wfile.write(body[offset:offset + 4000])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/quick.mp3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def server_floor(url, count=20, size=16_000):
    """The station's own part, measured with a plain socket: connect, ask, and wait for the first
    byte and for `size` bytes (what FFmpeg reads before its first frame: one ICY block)."""
    import socket
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    first, full = [], []
    for _ in range(count):
        started = time.monotonic()
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(f"GET {parts.path} HTTP/1.0\r\nHost: {parts.hostname}\r\nIcy-MetaData: 1\r\n\r\n".encode())
            got = b""
            while b"\r\n\r\n" not in got:
                got += sock.recv(65536)
            body = len(got.split(b"\r\n\r\n", 1)[1])
            if body:
                first.append((time.monotonic() - started) * 1000)
            while body < size:
                chunk = sock.recv(65536)
                if not first:
                    first.append((time.monotonic() - started) * 1000)
                body += len(chunk)
            full.append((time.monotonic() - started) * 1000)
        time.sleep(0.3)
    return first, full


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[int(round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "musicboxd"))
    parser.add_argument("--taps", type=int, default=20, help="taps of each tag")
    parser.add_argument("--memory-minutes", type=float, default=0)
    parser.add_argument("--only-memory", action="store_true", help="skip the taps")
    args = parser.parse_args()

    audio = PacedAudio()
    work = tempfile.mkdtemp(prefix="musicboxd-stream-bench-")
    reader = PN532Emulator(os.path.join(work, "pn532"))
    radio = Icecast(codec=("-c:a", "libmp3lame", "-b:a", "128k")).start()
    radio.source.kill()  # the sine: replaced by pink noise, audible from the first frame
    radio.source.wait()
    radio.source = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=44100:amplitude=0.3",
         "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg", "-f", "mp3",
         f"icecast://source:source-pw@127.0.0.1:{radio.port}{radio.mount}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    quick = QuickStation(work)
    data, song, command, env = setup(work, args.binary, audio, reader)
    daemon = Daemon(command, env)
    try:
        files = requests.post(f"{daemon.url}/api/playlists", json={"title": "Noise file"}, timeout=5).json()["data"]["id"]
        daemon.stop()
        upload_directly(data, files, song)
        daemon = Daemon(command, env)
        url = daemon.url
        stations = requests.post(f"{url}/api/playlists", json={"title": "Noise radio"}, timeout=5).json()["data"]["id"]
        added = requests.post(f"{url}/api/playlists/{stations}/streams", json={"url": radio.url, "title": "Noise FM"}, timeout=20)
        added.raise_for_status()
        quick_list = requests.post(f"{url}/api/playlists", json={"title": "Quick radio"}, timeout=5).json()["data"]["id"]
        requests.post(f"{url}/api/playlists/{quick_list}/streams", json={"url": quick.url, "title": "Quick FM"}, timeout=20).raise_for_status()
        for tag, playlist in ((FILE_TAG, files), (STREAM_TAG, stations), (QUICK_TAG, quick_list)):
            requests.post(f"{url}/api/nfc/associate", json={"tag_id": tag, "playlist_id": playlist}, timeout=5).raise_for_status()
        while requests.get(f"{url}/api/health", timeout=5).json()["data"]["components"]["nfc"] != "available":
            time.sleep(0.1)
        state = lambda: requests.get(f"{url}/api/player/status", timeout=5).json()["data"]
        times = {FILE_TAG: [], STREAM_TAG: [], QUICK_TAG: []}
        for _ in range(0 if args.only_memory else args.taps):
            for tag in (FILE_TAG, STREAM_TAG, QUICK_TAG):
                before = len(daemon.sounds)
                reader.place(tag)
                with daemon.cond:
                    if not daemon.cond.wait_for(lambda: len(daemon.sounds) > before, timeout=10):
                        raise SystemExit(f"no sound after a tap of {tag}")
                times[tag].append((daemon.sounds[-1] - reader.answered_tag[-1]) * 1000)
                time.sleep(random.uniform(0.5, 0.9))
                reader.remove()
                deadline = time.time() + 5
                while state()["state"] != "paused" and time.time() < deadline:
                    time.sleep(0.02)
                time.sleep(0.3)
        file_times, stream_times, quick_times = times[FILE_TAG], times[STREAM_TAG], times[QUICK_TAG]
        if not args.only_memory:
            print(f"{args.taps} taps each; tag answered -> first audible frame written to ALSA")
            print(f"  file (resuming mid-file): p50 {statistics.median(file_times):6.1f} ms  p95 {percentile(file_times, 0.95):6.1f} ms")
            print(f"  stream (connecting to Icecast on loopback): p50 {statistics.median(stream_times):6.1f} ms  "
                  f"p95 {percentile(stream_times, 0.95):6.1f} ms  (target < 300 ms)")
            print(f"  stream / file: {statistics.median(stream_times) / statistics.median(file_times):.2f}x at p50, "
                  f"{percentile(stream_times, 0.95) / percentile(file_times, 0.95):.2f}x at p95")
            print(f"  stream from a station that answers at once (Python, 64 KiB burst): p50 {statistics.median(quick_times):6.1f} ms  "
                  f"p95 {percentile(quick_times, 0.95):6.1f} ms; / file {statistics.median(quick_times) / statistics.median(file_times):.2f}x at p50")
            first, full = server_floor(radio.url)
            print(f"  the station's own floor (a plain socket): first byte p50 {statistics.median(first):6.1f} ms, "
                  f"16 000 bytes p50 {statistics.median(full):6.1f} ms p95 {percentile(full, 0.95):6.1f} ms; "
                  f"stream tap / that: {statistics.median(stream_times) / statistics.median(full):.2f}x at p50")

        if args.memory_minutes:
            reader.place(STREAM_TAG)
            time.sleep(5)
            samples = []
            end = time.time() + args.memory_minutes * 60
            while time.time() < end:
                samples.append(rss_mib(daemon.proc.pid))
                time.sleep(15)
            samples.append(rss_mib(daemon.proc.pid))
            playing = state()
            print(f"streaming {args.memory_minutes:g} min ({playing['state']}, position {playing['position_ms'] / 1000:.0f} s): "
                  f"RSS first {samples[0]:.1f} MiB, last {samples[-1]:.1f} MiB, max {max(samples):.1f} MiB "
                  f"(growth {samples[-1] - samples[0]:+.1f} MiB; second half {samples[-1] - samples[len(samples) // 2]:+.1f} MiB)")
            print("  each minute:", " ".join(f"{value:.1f}" for value in samples[::4]))
    finally:
        daemon.stop()
        reader.close()
        radio.close()
        quick.close()
        audio.stop()


if __name__ == "__main__":
    main()
