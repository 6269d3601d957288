#!/usr/bin/env python3
"""Start-up time of musicboxd: from exec to the first 200 from /api/health.

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
        baseline, cold, warm = [], [], []
        warm_dir = os.path.join(root, "warm")
        time_to_health(args.binary, warm_dir)  # create it once
        for i in range(args.runs):  # interleaved, so machine noise hits all three alike
            baseline.append(time_version(args.binary))
            cold.append(time_to_health(args.binary, os.path.join(root, f"cold{i}")))
            warm.append(time_to_health(args.binary, warm_dir))
        b = summary(baseline)
        print(f"runs: {args.runs}")
        print(f"baseline `musicboxd --version`: median {b[0]:.1f} ms, p95 {b[1]:.1f} ms")
        for name, samples in (("first boot (new database)", cold), ("normal boot (existing database)", warm)):
            m = summary(samples)
            print(f"{name} to ready /api/health: median {m[0]:.1f} ms, p95 {m[1]:.1f} ms, min {m[2]:.1f} ms "
                  f"({m[0] / b[0]:.1f}x baseline)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
