#!/usr/bin/env python3
"""Socket.IO broadcast benchmark: our server against python-socketio (aiohttp), same client
harness (Benchmarks/SocketIOBench, release build), same machine, same run.

For N = 10, 100, 500 WebSocket clients it reports broadcast throughput (messages/s delivered),
p50/p99 latency from emit to receipt at a steady 100 broadcasts/s, and server RSS per
connection, with our/python ratios. Usage: make bench-socketio

BENCH_BASELINE=<path to another SocketIOTestServer build> measures that one too, in the same run
(for "unchanged by this change" figures: build the previous commit in a worktree).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command):
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not re.search(r"listening on port (\d+)", line or ""):
        raise SystemExit(f"server did not start: {command}")
    time.sleep(0.3)
    return proc


def run_harness(harness, port, pid, clients, mode, ticks):
    url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
    out = subprocess.run([harness, "--url", url, "--clients", str(clients), "--mode", mode, "--ticks", str(ticks),
                          # 128 broadcasts in flight: enough that the harness's own round trips do not cap a
                          # fast server (with 32 ours measured ~25% lower; python-socketio the same either way).
                          "--interval-ms", "10", "--window", "128", "--server-pid", str(pid)],
                         capture_output=True, text=True, timeout=300)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"harness failed: {out.stderr[-2000:]}")
    return json.loads(lines[-1])


def measure(name, command, harness, counts):
    results = {}
    for clients in counts:
        port = free_port()
        proc = start([c.replace("{port}", str(port)) for c in command])
        try:
            latency = run_harness(harness, port, proc.pid, clients, "latency", 200)
            throughput_ticks = max(40, 200_000 // clients)
            throughput = run_harness(harness, port, proc.pid, clients, "throughput", throughput_ticks)
            results[clients] = {"latency": latency, "throughput": throughput}
            print(f"  {name:15} N={clients:4}: {throughput['throughput_msgs_per_s']:>10.0f} msg/s "
                  f"({throughput['received']}/{throughput['expected']}), p50 {latency['p50_ms']:.2f} ms, "
                  f"p99 {latency['p99_ms']:.2f} ms, RSS/conn {latency['rss_per_connection_kib']:.1f} KiB", flush=True)
        finally:
            proc.kill()
            proc.wait()
    return results


def main():
    counts = [int(n) for n in (sys.argv[1:] or ["10", "100", "500"])]
    ours = os.path.join(ROOT, ".build", "release", "SocketIOTestServer")
    harness = os.path.join(ROOT, "Benchmarks", "SocketIOBench", ".build", "release", "socketio-bench")
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    print("measuring (loopback, 2 cores shared by server and harness)")
    # Both servers accept any Origin (the harness sends one without a port).
    swift = measure("musicboxd", [ours, "--port", "{port}", "--rate", "0", "--any-origin"], harness, counts)
    baseline = os.environ.get("BENCH_BASELINE")
    before = measure("baseline build", [baseline, "--port", "{port}", "--rate", "0", "--any-origin"], harness, counts) if baseline else None
    reference = measure("python-socketio", [python, os.path.join(ROOT, "Benchmarks", "socketio", "python_server.py"), "{port}"], harness, counts)
    print()
    print("| clients | throughput ours (msg/s) | python-socketio | ratio | p50 ours / py (ms) | p99 ours / py (ms) | RSS per connection ours / py (KiB) |")
    print("|---|---|---|---|---|---|---|")
    for n in counts:
        a, b = swift[n], reference[n]
        ta, tb = a["throughput"]["throughput_msgs_per_s"], b["throughput"]["throughput_msgs_per_s"]
        print(f"| {n} | {ta:.0f} | {tb:.0f} | {ta / tb if tb else float('inf'):.1f}x | "
              f"{a['latency']['p50_ms']:.2f} / {b['latency']['p50_ms']:.2f} | {a['latency']['p99_ms']:.2f} / {b['latency']['p99_ms']:.2f} | "
              f"{a['latency']['rss_per_connection_kib']:.1f} / {b['latency']['rss_per_connection_kib']:.1f} |")
    if before:
        print()
        print("| clients | this build (msg/s) | baseline build (msg/s) | ratio | p99 this / baseline (ms) | RSS per connection this / baseline (KiB) |")
        print("|---|---|---|---|---|---|")
        for n in counts:
            a, b = swift[n], before[n]
            ta, tb = a["throughput"]["throughput_msgs_per_s"], b["throughput"]["throughput_msgs_per_s"]
            print(f"| {n} | {ta:.0f} | {tb:.0f} | {ta / tb if tb else float('inf'):.2f}x | "
                  f"{a['latency']['p99_ms']:.2f} / {b['latency']['p99_ms']:.2f} | "
                  f"{a['latency']['rss_per_connection_kib']:.1f} / {b['latency']['rss_per_connection_kib']:.1f} |")


if __name__ == "__main__":
    main()
