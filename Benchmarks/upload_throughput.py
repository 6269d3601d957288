#!/usr/bin/env python3
"""Upload throughput and memory: a 200 MiB file in 1 MiB chunks over loopback into a release build.

Baseline, measured in the same run on the same disk: `cp` of the same file (page cache warm
for both), and `cp` followed by an fsync of the copy (the daemon flushes an upload before it
joins the library, so a crash cannot lose it). Reported as ratios: upload throughput / cp
throughput (target >= 0.5).

Memory: the daemon's VmRSS is sampled every 10 ms; the figure is the peak during the upload
minus the RSS just before it (after a small warm-up upload, so one-time start-up costs such as
the thread pool's first threads are not counted as growth). Target: under 8 MiB.
"""
import argparse
import http.client
import json
import os
import socket
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

import requests

MiB = 1 << 20


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))


class RSSSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def start_daemon(binary, data):
    proc = subprocess.Popen([binary, "run", "--hardware", "sim", "--host", "127.0.0.1", "--port", "0",
                             "--data-dir", data, "--log-level", "notice"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while True:
        line = proc.stderr.readline()
        match = re.search(r"ready on port (\d+)", line)
        if match:
            subprocess.Popen(["cat"], stdin=proc.stderr, stdout=subprocess.DEVNULL)
            return proc, f"http://127.0.0.1:{match.group(1)}"
        if proc.poll() is not None:
            raise SystemExit("daemon did not start")


class Client:
    """One keep-alive connection with http.client, the leanest HTTP client in Python's library
    (requests costs about twice the CPU per request, and client and daemon share the 2 cores)."""

    def __init__(self, url):
        host, port = url.split("//")[1].split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=300)

    def call(self, method, path, body=b"", content_type="application/json"):
        self.connection.request(method, path, body=body, headers={"Content-Type": content_type})
        reply = self.connection.getresponse()
        data = reply.read()
        if reply.status >= 300:
            raise SystemExit(f"{method} {path}: {reply.status} {data[:300]!r}")
        return json.loads(data) if data[:1] == b"{" else None


def upload(url, playlist, path, chunk):
    """Returns (seconds for the chunks, seconds for finalize)."""
    size = os.path.getsize(path)
    client = Client(url)
    started = time.perf_counter()
    info = client.call("POST", f"/api/playlists/{playlist}/uploads/session",
                       json.dumps({"filename": os.path.basename(path), "file_size": size, "chunk_size": chunk}))["data"]
    base = f"/api/playlists/{playlist}/uploads/{info['session_id']}"
    with open(path, "rb") as handle:
        for index in range(info["total_chunks"]):
            client.call("PUT", f"{base}/chunks/{index}", handle.read(chunk), "application/octet-stream")
    transferred = time.perf_counter()
    client.call("POST", f"{base}/finalize")
    return transferred - started, time.perf_counter() - transferred


SINK = r"""
import socket, sys
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0)); server.listen(1); print(server.getsockname()[1], flush=True)
conn, _ = server.accept(); buffer = bytearray(1 << 20); view = memoryview(buffer); pending = b""
while True:
    while b"\r\n\r\n" not in pending:
        more = conn.recv(65536)
        if not more: sys.exit(0)
        pending += more
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    left = length - len(rest)
    while left > 0:
        left -= conn.recv_into(view, min(left, len(buffer)))
    pending = b""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
"""


def client_ceiling(path, chunk):
    """The same client and chunks into a sink that only reads them (loopback and client cost alone)."""
    sink = subprocess.Popen(["python3", "-c", SINK], stdout=subprocess.PIPE, text=True)
    port = int(sink.stdout.readline())
    client = Client(f"http://127.0.0.1:{port}")
    started = time.perf_counter()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            client.call("PUT", "/sink", block, "application/octet-stream")
    elapsed = time.perf_counter() - started
    client.connection.close()
    sink.wait(timeout=10)
    return elapsed


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--size-mib", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="musicboxd-upload-bench-", dir=os.environ.get("BENCH_DIR"))
    try:
        source = os.path.join(work, "big.wav")
        seconds = args.size_mib * MiB / (48_000 * 4)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency=330:duration={seconds:.3f}:sample_rate=48000", "-ac", "2", "-c:a", "pcm_s16le",
                        source], check=True)
        size = os.path.getsize(source)
        warm = os.path.join(work, "warm.wav")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=duration=5", "-ac", "2", warm], check=True)

        cp_times, cp_sync_times, chunk_times, total_times, growth, growth_idle, ceiling = [], [], [], [], [], [], []
        for run in range(args.runs):
            ceiling.append(client_ceiling(source, MiB))
            copy = os.path.join(work, "copy.wav")
            cp_times.append(timed(["cp", source, copy]))
            os.remove(copy)
            cp_sync_times.append(timed(["sh", "-c", f"cp '{source}' '{copy}' && sync '{copy}'"]))
            os.remove(copy)

            data = os.path.join(work, f"data-{run}")
            proc, url = start_daemon(args.binary, data)
            try:
                playlist = requests.post(f"{url}/api/playlists", json={"title": "Bench"}, timeout=5).json()["data"]["id"]
                idle = rss_kib(proc.pid)
                upload(url, playlist, warm, MiB)
                before = rss_kib(proc.pid)
                sampler = RSSSampler(proc.pid)
                sampler.start()
                chunks, final = upload(url, playlist, source, MiB)
                peak = sampler.stop()
                chunk_times.append(chunks)
                total_times.append(chunks + final)
                growth.append((peak - before) / 1024)
                growth_idle.append((peak - idle) / 1024)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                shutil.rmtree(data, ignore_errors=True)

        def rate(seconds):
            return size / MiB / seconds

        cp, cp_sync, sink = min(cp_times), min(cp_sync_times), min(ceiling)
        chunks, total = min(chunk_times), min(total_times)
        print(f"file: {size / MiB:.0f} MiB WAV, 1 MiB chunks, {args.runs} runs (best of each)")
        print(f"cp:                  {rate(cp):8.0f} MiB/s")
        print(f"cp + fsync:          {rate(cp_sync):8.0f} MiB/s")
        print(f"client -> sink:      {rate(sink):8.0f} MiB/s  = {cp / sink:.2f} x cp (the HTTP client and loopback alone)")
        print(f"upload, chunks only: {rate(chunks):8.0f} MiB/s  = {cp / chunks:.2f} x cp, {sink / chunks:.2f} x the sink")
        print(f"upload + finalize:   {rate(total):8.0f} MiB/s  = {cp / total:.2f} x cp, {cp_sync / total:.2f} x (cp + fsync)"
              f"  (finalize: fsync, SHA-256 of the rest, decode probe, rename, insert)")
        print(f"RSS growth during the upload: max {max(growth):.1f} MiB, median {statistics.median(growth):.1f} MiB"
              f" (from idle before any upload: max {max(growth_idle):.1f} MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
