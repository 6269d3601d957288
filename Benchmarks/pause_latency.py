#!/usr/bin/env python3
"""Pause on a slow disk: from `POST /api/player/pause` leaving a client to the `state:player`
(paused) it causes arriving at a python-socketio client, on the plain disk and then with every
fsync of the daemon slowed by 40 ms (Benchmarks/support/slow_fsync.c, preloaded), as a busy SD
card is. Both in the same run, against the same binary; the ratio is the figure.

Each pause makes the box remember where the listener was (a resume point, committed with
synchronous=FULL, so one fsync). Target (issue 21): p90 under 10 ms with the slow disk: the
event must not wait for that fsync. A library edit (`PATCH /api/playlists/{id}`, durable before
its answer by design) is measured beside it as the control that does wait.
"""
import argparse
import os
import statistics
import sys
import threading
import time

import requests
import socketio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "socketio"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
from daemon import Daemon  # noqa: E402
from tap_to_sound import slow_disk_env  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Watcher:
    """A python-socketio client in `playlists`: when each `state:player` and `state:playlists` arrived."""

    def __init__(self, url):
        self.players, self.collections = [], []
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("state:player", lambda event: self._arrived(self.players, event))
        self.client.on("state:playlists", lambda event: self._arrived(self.collections, event))
        self.client.connect(url, transports=["websocket"])
        self.client.call("join:playlists", {}, timeout=5)

    def _arrived(self, into, event):
        with self.cond:
            into.append((time.perf_counter(), event))
            self.cond.notify_all()

    def wait(self, into, since, accept):
        with self.cond:
            if not self.cond.wait_for(lambda: any(accept(e) for _, e in into[since:]), timeout=5):
                raise SystemExit("no event within 5 s")
            return next(t for t, e in into[since:] if accept(e))


def measure(env_extra, rounds):
    daemon = Daemon(env_extra=env_extra)
    try:
        playlist = daemon.seed_playlist("Long", [3_600_000, 3_600_000])
        watcher = Watcher(daemon.url)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        pauses, edits = [], []
        http = requests.Session()
        for round_number in range(rounds):
            time.sleep(0.03)
            since = len(watcher.players)
            sent = time.perf_counter()
            http.post(f"{daemon.url}/api/player/pause", timeout=5).raise_for_status()
            arrived = watcher.wait(watcher.players, since, lambda e: e["data"]["state"] == "paused")
            pauses.append((arrived - sent) * 1000)
            http.post(f"{daemon.url}/api/player/play", timeout=5).raise_for_status()
            if round_number % 5 == 0:
                since = len(watcher.collections)
                sent = time.perf_counter()
                http.patch(f"{daemon.url}/api/playlists/{playlist}", json={"title": f"Long {round_number}"}, timeout=5).raise_for_status()
                edits.append((watcher.wait(watcher.collections, since, lambda e: True) - sent) * 1000)
        watcher.client.disconnect()
        return pauses, edits
    finally:
        daemon.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="musicboxd to measure (default: MUSICBOXD_BINARY or the debug build)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--slow-fsync-ms", type=int, default=40)
    args = parser.parse_args()
    if args.binary:
        os.environ["MUSICBOXD_BINARY"] = args.binary
    results = {}
    for name, env in (("plain disk", {}), (f"fsync +{args.slow_fsync_ms} ms", slow_disk_env(args.slow_fsync_ms))):
        pauses, edits = measure(env, args.rounds)
        results[name] = pauses
        print(f"{name:16s} pause -> state:player: p50 {statistics.median(pauses):6.1f} ms  p90 {percentile(pauses, 0.9):6.1f} ms"
              f"  max {max(pauses):6.1f} ms   (control, rename -> state:playlists: p50 {statistics.median(edits):6.1f} ms)")
    plain, slow = results.values()
    print(f"slow / plain: {statistics.median(slow) / statistics.median(plain):.2f}x at p50, "
          f"{percentile(slow, 0.9) / percentile(plain, 0.9):.2f}x at p90 (target: p90 < 10 ms on the slow disk)")


if __name__ == "__main__":
    main()
