#!/usr/bin/env python3
"""Start-up time of musicboxd: from exec to the first 200 from /api/health, and from exec to
READY=1 on a NOTIFY_SOCKET (what systemd waits for with Type=notify; target < 500 ms).

Each run uses a fresh data folder (a first boot: database created and migrated) or,
with --warm, one folder reused (a normal boot). The baseline, measured in the same run,
is `musicboxd --version`: exec, dynamic linking and Swift runtime start, then exit.
The ratio says how much the daemon's own start costs on top of merely starting the process.
"""
import argparse, os, shutil, socket, statistics, subprocess, tempfile, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_health(binary, data_dir):
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "run", "--hardware", "sim", "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                    if r.status == 200:
                        return (time.perf_counter() - start) * 1000
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("daemon exited during start-up")
                time.sleep(0.0005)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def time_to_ready(binary, data_dir):
    """exec -> READY=1 on our own NOTIFY_SOCKET; also returns the daemon's boot timeline."""
    folder = tempfile.mkdtemp(prefix="notify-")
    address = os.path.join(folder, "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(10)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=address)
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "run", "--hardware", "sim", "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        while b"READY=1" not in listener.recv(4096):
            pass
        elapsed = (time.perf_counter() - start) * 1000
        import json
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/system/info", timeout=5) as r:
            timeline = json.load(r)["data"]["boot_timeline_ms"]
        return elapsed, timeline
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)


def time_version(binary):
    start = time.perf_counter()
    subprocess.run([binary, "--version"], check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def summary(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], samples[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="musicboxd-startup-")
    try:
        baseline, cold, warm, ready, timelines = [], [], [], [], []
        warm_dir = os.path.join(root, "warm")
        time_to_health(args.binary, warm_dir)  # create it once
        for i in range(args.runs):  # interleaved, so machine noise hits all three alike
            baseline.append(time_version(args.binary))
            cold.append(time_to_health(args.binary, os.path.join(root, f"cold{i}")))
            warm.append(time_to_health(args.binary, warm_dir))
            elapsed, timeline = time_to_ready(args.binary, warm_dir)
            ready.append(elapsed)
            timelines.append(timeline)
        b = summary(baseline)
        print(f"runs: {args.runs}")
        print(f"baseline `musicboxd --version`: median {b[0]:.1f} ms, p95 {b[1]:.1f} ms")
        for name, samples in (("first boot (new database)", cold), ("normal boot (existing database)", warm)):
            m = summary(samples)
            print(f"{name} to ready /api/health: median {m[0]:.1f} ms, p95 {m[1]:.1f} ms, min {m[2]:.1f} ms "
                  f"({m[0] / b[0]:.1f}x baseline)")
        m = summary(ready)
        print(f"normal boot to READY=1 (sd_notify): median {m[0]:.1f} ms, p95 {m[1]:.1f} ms, min {m[2]:.1f} ms "
              f"({m[0] / b[0]:.1f}x baseline; target < 500 ms)")
        names = list(timelines[0])
        print("boot timeline, median ms since process start: " + ", ".join(
            f"{name} {statistics.median(t[name] for t in timelines):.0f}" for name in sorted(names, key=lambda n: timelines[0][n])))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
