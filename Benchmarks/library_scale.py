#!/usr/bin/env python3
"""A large library and many clients (issue 21): 500 playlists x 20 tracks (10 000 uploads through
the HTTP API, as parents would make them) and 200 python-socketio clients.

1. Memory: the daemon's resident memory after the 10 000 uploads, then after a restart with the
   same library (target: within 10 MiB).
2. Fan-out: HTTP rename -> the change at the last of 200 clients (in 4 processes of 50, so the
   clients' own Python is not what is measured), p50/p99 over the renames, with
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


def client_process(url, count, deltas, ready, reports, stop, name):
    """`count` python-socketio clients in `playlists`, in a process of their own (one Python
    process cannot read 200 sockets without becoming the thing measured). They are asyncio
    clients on one loop: 50 threaded clients in one process spend more time taking turns at the
    interpreter lock than the box spends on the whole fan-out. For each change, once every
    client here has it, reports (server_seq, when the last one got it) on `reports`."""
    import asyncio
    import socketio as sio

    async def run():
        arrivals = {}

        def arrived(event):
            now = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
            got = arrivals.setdefault(event["server_seq"], [])
            got.append(now)
            if len(got) == count:
                reports.put((event["server_seq"], max(got)))

        clients = []
        for _ in range(count):
            client = sio.AsyncClient(reconnection=False)
            client.on(name, arrived)
            await client.connect(url, transports=["websocket"], wait_timeout=10)
            clients.append(client)
        ready.put(("connected", 0))
        joined = time.perf_counter()
        await asyncio.gather(*(c.call("join:playlists", {"deltas": True} if deltas else {}, timeout=60) for c in clients))
        arrivals.clear()  # the join snapshots
        ready.put(("joined", time.perf_counter() - joined))
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        for client in clients:
            await client.disconnect()

    asyncio.run(run())


def fan_out(daemon, clients_count, deltas, renames, playlist_ids, processes=4, volume=False):
    """Renames (or, `volume`, volume changes: the same fan-out of a tiny event that no library
    work precedes, the floor of this machine and these clients) and when each reached the last client."""
    import multiprocessing
    context = multiprocessing.get_context("fork")
    ready, reports, stop = context.Queue(), context.Queue(), context.Event()
    per = clients_count // processes
    name = "state:player" if volume else "state:playlist_updated" if deltas else "state:playlists"
    workers = [context.Process(target=client_process, args=(daemon.url, per, deltas, ready, reports, stop, name))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=120)  # connected
    joins = max(ready.get(timeout=120)[1] for _ in workers)
    times = []
    try:
        with requests.Session() as http:
            for index in range(renames):
                target = playlist_ids[index % len(playlist_ids)]
                sent = time.perf_counter()
                if volume:
                    reply = http.post(f"{daemon.url}/api/player/volume", json={"volume": 30 + index % 2}, timeout=10)
                else:
                    reply = http.patch(f"{daemon.url}/api/playlists/{target}", json={"title": f"renamed {index}"}, timeout=10)
                reply.raise_for_status()
                seq = reply.json()["server_seq"]
                last = []
                while len(last) < processes:
                    got_seq, at = reports.get(timeout=30)
                    if got_seq == seq:
                        last.append(at)
                times.append((max(last) - sent) * 1000)
                time.sleep(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
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
    parser.add_argument("--fan-out-only", action="store_true",
                        help="skip the 10 000 uploads and the memory figures: seed the library straight into SQLite")
    args = parser.parse_args()
    if args.binary:
        os.environ["MUSICBOXD_BINARY"] = args.binary
    work = tempfile.mkdtemp(prefix="musicboxd-scale-")
    files = tones(work, args.tracks)
    results = {}

    daemon = Daemon()
    try:
        if args.fan_out_only:
            ids = seed_many(daemon, args.playlists, args.tracks)
        else:
            memory(daemon, args, files)
            ids = library(daemon)
        for deltas in (True, False):
            times, joins = fan_out(daemon, args.clients, deltas, args.renames, ids)
            results[(args.playlists, deltas)] = times
            print(f"{args.playlists} playlists, {args.clients} clients, {'deltas' if deltas else 'whole collection'}:"
                  f" rename -> last client p50 {statistics.median(times):6.1f} ms  p99 {percentile(times, 0.99):6.1f} ms;"
                  f" {args.clients} joins {joins:.2f} s", flush=True)
        floor, _ = fan_out(daemon, args.clients, True, args.renames, ids, volume=True)
        results["floor"] = floor
        print(f"{args.playlists} playlists, {args.clients} clients, volume -> state:player (the floor):"
              f" p50 {statistics.median(floor):6.1f} ms  p99 {percentile(floor, 0.99):6.1f} ms", flush=True)
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
    floor = results["floor"]
    print(f"deltas rename / volume floor at {args.playlists} playlists: {statistics.median(big) / statistics.median(floor):.2f}x at p50,"
          f" {percentile(big, 0.99) / percentile(floor, 0.99):.2f}x at p99")


def memory(daemon, args, files):
    """Resident memory after the uploads, and after a restart with the same library."""
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
