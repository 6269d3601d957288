#!/usr/bin/env python3
"""Command-to-event latency of musicboxd: from an HTTP operation leaving a client to the
`state:*` event it causes arriving at a Socket.IO client, with 1, 50 and 200 clients connected.

Two operations: a player command (`POST /api/player/volume`, no disk write) and a library edit
(`PATCH /api/playlists/{id}`, one SQLite commit with synchronous=FULL, so it includes an fsync).
The baseline, measured in the same run against the same daemon, is a plain HTTP round trip
(`GET /api/player/status`): the ratio says what sequencing, publishing and delivering the event
adds on top of merely asking the daemon something.

The measuring client lives in this process; the other N-1 clients, all joined to `playlists`
so every event is really fanned out to them, live in a child process (asyncio), so their work
does not compete with the measurement for Python's interpreter lock.
"""
import argparse, asyncio, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

import requests
import socketio


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def start_daemon(binary):
    data = tempfile.mkdtemp(prefix="musicboxd-latency-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
    proc = subprocess.Popen([binary, "run", "--port", "0", "--host", "127.0.0.1", "--data-dir", data,
                             "--hardware", "sim", "--log-level", "notice"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    while True:
        line = proc.stderr.readline()
        match = re.search(r"ready on port (\d+)", line or "")
        if match:
            subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
            return proc, data, f"http://127.0.0.1:{match.group(1)}"
        if not line and proc.poll() is not None:
            raise SystemExit("musicboxd did not start")


async def passive_clients(url, count):
    """Child process: `count` clients joined to `playlists`, receiving until stdin closes."""
    clients = []
    for _ in range(count):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, transports=["websocket"])
        await client.call("join:playlists", {}, timeout=10)
        clients.append(client)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for client in clients:
        await client.disconnect()


class Measurer:
    def __init__(self, url):
        self.arrivals = {}
        self.cond = threading.Condition()
        self.client = socketio.Client(reconnection=False)

        def record(name):
            def handler(event):
                now = time.perf_counter()
                with self.cond:
                    self.arrivals[(name, event["server_seq"])] = now
                    self.cond.notify_all()
            return handler

        self.client.on("state:player", record("state:player"))
        self.client.on("state:playlists", record("state:playlists"))
        self.client.connect(url, transports=["websocket"])
        self.client.call("join:playlists", {}, timeout=10)

    def wait(self, name, seq):
        with self.cond:
            self.cond.wait_for(lambda: (name, seq) in self.arrivals, timeout=10)
            return self.arrivals.pop((name, seq))


def measure(url, clients, rounds, playlist_id):
    helper = None
    if clients > 1:
        helper = subprocess.Popen([sys.executable, __file__, "--passive", str(clients - 1), "--url", url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if helper.stdout.readline().strip() != "ready":
            raise SystemExit("passive clients did not connect")
    measurer = Measurer(url)
    http = requests.Session()
    results = {"baseline": [], "player": [], "library": []}
    try:
        for index in range(rounds):
            start = time.perf_counter()
            http.get(f"{url}/api/player/status", timeout=10).raise_for_status()
            results["baseline"].append((time.perf_counter() - start) * 1000)

            start = time.perf_counter()
            reply = http.post(f"{url}/api/player/volume", json={"volume": 40 + index % 2}, timeout=10).json()
            results["player"].append((measurer.wait("state:player", reply["server_seq"]) - start) * 1000)

            start = time.perf_counter()
            reply = http.patch(f"{url}/api/playlists/{playlist_id}", json={"title": f"t{index}"}, timeout=10).json()
            results["library"].append((measurer.wait("state:playlists", reply["server_seq"]) - start) * 1000)
    finally:
        measurer.client.disconnect()
        if helper:
            helper.stdin.close()
            helper.wait(timeout=30)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/musicboxd")
    parser.add_argument("--clients", default="1,50,200")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--passive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.passive is not None:
        asyncio.run(passive_clients(args.url, args.passive))
        return

    proc, data, url = start_daemon(args.binary)
    try:
        playlist_id = requests.post(f"{url}/api/playlists", json={"title": "bench"}, timeout=10).json()["data"]["id"]
        print(f"musicboxd {args.binary}, {args.rounds} rounds per row, times in ms (p50 / p99)")
        print("| clients | HTTP round trip (baseline) | player op → event | ratio p50 | library op → event | ratio p50 |")
        print("|---|---|---|---|---|---|")
        for clients in [int(n) for n in args.clients.split(",")]:
            r = measure(url, clients, args.rounds, playlist_id)
            base, player, library = (statistics.median(r[k]) for k in ("baseline", "player", "library"))
            print(f"| {clients} | {base:.2f} / {percentile(r['baseline'], 0.99):.2f} "
                  f"| {player:.2f} / {percentile(r['player'], 0.99):.2f} | {player / base:.1f}× "
                  f"| {library:.2f} / {percentile(r['library'], 0.99):.2f} | {library / base:.1f}× |", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
