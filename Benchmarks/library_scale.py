#!/usr/bin/env python3
"""A large library and many clients (issue 21): 500 playlists x 20 tracks (10 000 uploads through
the HTTP API, as parents would make them) and 200 python-socketio clients.

1. Memory: the daemon's resident memory after the 10 000 uploads, then after a restart with the
   same library (target: within 10 MiB).
2. Fan-out: HTTP rename -> the change at the last of 200 clients, p50/p99 over the renames, with
   the clients joined with deltas (`state:playlist_updated`, as the web UI joins) and without
   (`state:playlists`, the whole collection), on the 500-playlist library; and the same with
   deltas on a 50-playlist library (the baseline: target p99 < 50 ms at 500, as a ratio to 50).
   The 200 join snapshots are timed too.
All in one run against one binary; the ratios are the figures.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests
import socketio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "socketio"))
from daemon import Daemon  # noqa: E402
from uploads import upload  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def settled_rss(daemon, seconds=3):
    """Resident memory once the daemon is idle (the lowest of a few samples)."""
    samples = []
    for _ in range(seconds * 4):
        samples.append(rss_mib(daemon.proc.pid))
        time.sleep(0.25)
    return min(samples)


def tones(directory, count):
    """`count` different 0.2 s WAV tones (a playlist's tracks must differ)."""
    paths = []
    for index in range(count):
        path = os.path.join(directory, f"t{index}.wav")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency={300 + 25 * index}:duration=0.2:sample_rate=44100", "-ac", "2", path], check=True)
        paths.append(path)
    return paths


class Client:
    """One python-socketio client in `playlists`; records when each change reached it."""

    def __init__(self, url, deltas, arrivals, lock):
        self.client = socketio.Client(reconnection=False)
        name = "state:playlist_updated" if deltas else "state:playlists"
        self.client.on(name, lambda event: self._arrived(event, arrivals, lock))
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.deltas = deltas

    def join(self):
        self.client.call("join:playlists", {"deltas": True} if self.deltas else {}, timeout=30)

    def _arrived(self, event, arrivals, lock):
        now = time.perf_counter()
        with lock:
            arrivals.setdefault(event["server_seq"], []).append(now)


def fan_out(daemon, clients_count, deltas, renames, playlist_ids):
    arrivals, lock = {}, threading.Lock()
    clients = [Client(daemon.url, deltas, arrivals, lock) for _ in range(clients_count)]
    started = time.perf_counter()
    threads = [threading.Thread(target=c.join) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    joins = time.perf_counter() - started
    with lock:
        arrivals.clear()  # the join snapshots
    times = []
    with requests.Session() as http:
        for index in range(renames):
            target = playlist_ids[index % len(playlist_ids)]
            sent = time.perf_counter()
            reply = http.patch(f"{daemon.url}/api/playlists/{target}", json={"title": f"renamed {index}"}, timeout=10)
            reply.raise_for_status()
            seq = reply.json()["server_seq"]
            deadline = time.time() + 20
            while time.time() < deadline:
                with lock:
                    got = list(arrivals.get(seq, []))
                if len(got) >= clients_count:
                    break
                time.sleep(0.001)
            else:
                raise SystemExit(f"rename {index}: {len(got)} of {clients_count} clients got it")
            times.append((max(got) - sent) * 1000)
            time.sleep(0.05)
    for client in clients:
        client.client.disconnect()
    return times, joins


def library(daemon):
    return [p["id"] for p in requests.get(f"{daemon.url}/api/playlists", params={"limit": 1000}, timeout=10).json()["data"]["playlists"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="musicboxd to measure (default: MUSICBOXD_BINARY or the debug build)")
    parser.add_argument("--playlists", type=int, default=500)
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--renames", type=int, default=40)
    args = parser.parse_args()
    if args.binary:
        os.environ["MUSICBOXD_BINARY"] = args.binary
    work = tempfile.mkdtemp(prefix="musicboxd-scale-")
    files = tones(work, args.tracks)
    results = {}

    daemon = Daemon()
    try:
        started_rss = settled_rss(daemon, 1)
        began = time.perf_counter()
        for number in range(args.playlists):
            reply = requests.post(f"{daemon.url}/api/playlists", json={"title": f"Playlist {number}"}, timeout=10)
            playlist = reply.json()["data"]["id"]
            for path in files:
                upload(daemon, playlist, path).raise_for_status()
            if number % 50 == 49:
                print(f"  {number + 1} playlists, {(number + 1) * args.tracks} uploads, {time.perf_counter() - began:.0f} s,"
                      f" RSS {rss_mib(daemon.proc.pid):.1f} MiB", flush=True)
        after_uploads = settled_rss(daemon)
        daemon.terminate()
        daemon.start()
        after_restart = settled_rss(daemon)
        print(f"RSS: at start {started_rss:.1f} MiB, after {args.playlists * args.tracks} uploads {after_uploads:.1f} MiB,"
              f" after a restart with that library {after_restart:.1f} MiB: difference {after_uploads - after_restart:+.1f} MiB"
              " (target: within 10 MiB)")
        ids = library(daemon)
        for deltas in (True, False):
            times, joins = fan_out(daemon, args.clients, deltas, args.renames, ids)
            results[(args.playlists, deltas)] = times
            print(f"{args.playlists} playlists, {args.clients} clients, {'deltas' if deltas else 'whole collection'}:"
                  f" rename -> last client p50 {statistics.median(times):6.1f} ms  p99 {percentile(times, 0.99):6.1f} ms;"
                  f" {args.clients} joins {joins:.2f} s", flush=True)
    finally:
        daemon.stop()

    small = Daemon()
    try:
        # Seeded straight into SQLite (a restart each would be slow): 50 playlists of `tracks` rows.
        ids = seed_many(small, 50, args.tracks)
        times, joins = fan_out(small, args.clients, True, args.renames, ids)
        results[(50, True)] = times
        print(f"50 playlists, {args.clients} clients, deltas: rename -> last client p50 {statistics.median(times):6.1f} ms"
              f"  p99 {percentile(times, 0.99):6.1f} ms; {args.clients} joins {joins:.2f} s")
    finally:
        small.stop()
    big, base, whole = results[(args.playlists, True)], results[(50, True)], results[(args.playlists, False)]
    print(f"deltas, {args.playlists} / 50 playlists: {statistics.median(big) / statistics.median(base):.2f}x at p50,"
          f" {percentile(big, 0.99) / percentile(base, 0.99):.2f}x at p99 (target: p99 < 50 ms)")
    print(f"{args.playlists} playlists, whole collection / deltas: {percentile(whole, 0.99) / percentile(big, 0.99):.1f}x at p99")


def seed_many(daemon, count, tracks):
    import sqlite3
    import uuid
    daemon.terminate()
    now = int(time.time() * 1000)
    ids = []
    with sqlite3.connect(os.path.join(daemon.data, "musicbox.sqlite")) as db:
        start = db.execute("SELECT COUNT(*) FROM playlists").fetchone()[0]
        for number in range(count - start):
            playlist_id = str(uuid.uuid4())
            db.execute("INSERT INTO playlists (id, title, description, position, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                       (playlist_id, f"Seeded {number}", "", start + number, now, now))
            for track in range(1, tracks + 1):
                track_id = str(uuid.uuid4())
                db.execute("INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename,"
                           " file_size, sha256, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (track_id, playlist_id, track, f"Track {track}", 200, f"{track_id}.wav", f"{track}.wav", 1000, "00", now))
    daemon.start()
    return library(daemon)


if __name__ == "__main__":
    main()
