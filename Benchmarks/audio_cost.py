#!/usr/bin/env python3
"""CPU cost of musicboxd's audio path, next to FFmpeg's own decoder, in the same run.

For MP3, AAC and FLAC files of 60 s of pink noise (harder on a decoder than a tone), the release
daemon plays the file through ALSA's `null` device, which does not pace: the file is decoded,
resampled, volume-scaled and written as fast as the CPU allows. We read the daemon's CPU time
(user + system, /proc/PID/stat) before and after, so the cost covers its whole audio path. The
baseline is `ffmpeg -i FILE -f null -` (decode only) on the same file. Reported per second of
audio, and as a ratio (target: within 1.3x of ffmpeg). Peak RSS (VmHWM) of the whole daemon is
read at the end (target: under 40 MiB).
"""
import argparse, os, re, resource, shutil, sqlite3, subprocess, sys, tempfile, time, uuid

import requests

SECONDS = 60
FORMATS = [("mp3", ["-c:a", "libmp3lame", "-b:a", "192k"]), ("m4a", ["-c:a", "aac", "-b:a", "192k"]), ("flac", [])]
TICKS = os.sysconf("SC_CLK_TCK")


def make(path, codec):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"anoisesrc=color=pink:duration={SECONDS}:sample_rate=44100:amplitude=0.3", "-ac", "2", *codec, path],
                   check=True)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_kib(pid):
    return int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))


def resident_by_part(pid):
    """Where the resident memory is now (KiB), from /proc/PID/smaps: our own heap and stacks, the
    daemon's code (FFmpeg is linked in), the Swift runtime and Foundation, system libraries, and
    what ALSA's PulseAudio plugin loads on a machine with PulseAudio (the test machine; not a box)."""
    parts = {"heap and stacks": 0, "musicboxd code": 0, "Swift runtime + Foundation": 0,
             "PulseAudio ALSA plugin": 0, "system libraries": 0}
    pulse_libs = ("pulse", "libX11", "libxcb", "libXau", "libXdmcp", "libsndfile", "libvorbis", "libogg", "libFLAC",
                  "libopus", "libmpg123", "libmp3lame", "libasyncns", "libsystemd", "libgcrypt", "libgpg-error",
                  "liblz4", "liblzma", "libzstd", "libcap", "libdbus", "libapparmor", "libbsd", "libmd", "libasound_module")
    part = None
    for line in open(f"/proc/{pid}/smaps"):
        fields = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+$", fields[0]):
            path = fields[5] if len(fields) > 5 else ""
            name = os.path.basename(path)
            if not path or path.startswith("["):
                part = "heap and stacks"
            elif name == "musicboxd":
                part = "musicboxd code"
            elif "/swift/" in path:
                part = "Swift runtime + Foundation"
            elif name.startswith(pulse_libs) or "/pulseaudio/" in path or "alsa-lib" in path:
                part = "PulseAudio ALSA plugin"
            else:
                part = "system libraries"
        elif fields[0] == "Rss:":
            parts[part] += int(fields[1])
    return parts


def ffmpeg_cpu(path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-threads", "1", "-i", path, "-f", "null", "-"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/musicboxd")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="musicboxd-audio-bench-")
    data = os.path.join(work, "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
    env.update({"MUSICBOXD_AUDIO_DEVICE": "null", "HOME": work, "XDG_RUNTIME_DIR": work})
    command = [args.binary, "run", "--port", "0", "--host", "127.0.0.1", "--data-dir", data, "--hardware", "real",
               "--log-level", "notice"]
    try:
        # First start creates the database; then the tracks are written in and the daemon started again.
        first = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        while not os.path.exists(os.path.join(data, "musicbox.sqlite")):
            time.sleep(0.05)
        time.sleep(0.5)
        first.terminate()
        first.wait()
        playlists = {}
        with sqlite3.connect(os.path.join(data, "musicbox.sqlite")) as db:
            for position, (ext, codec) in enumerate(FORMATS):
                source = os.path.join(work, f"noise.{ext}")
                make(source, codec)
                playlist, track = str(uuid.uuid4()), str(uuid.uuid4())
                shutil.copy(source, os.path.join(data, "media", f"{track}.{ext}"))
                db.execute("INSERT INTO playlists VALUES (?,?,?,?,?,?)", (playlist, ext, "", position, 1, 1))
                db.execute("INSERT INTO tracks (id, playlist_id, track_number, title, duration_ms, file_name, original_filename,"
                           " file_size, sha256, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (track, playlist, 1, ext, SECONDS * 1000, f"{track}.{ext}", f"noise.{ext}", 1, "0", 1))
                playlists[ext] = (playlist, source)
        daemon = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        port = None
        while port is None:
            line = daemon.stderr.readline()
            if not line:
                raise SystemExit("musicboxd did not start")
            match = re.search(r"ready on port (\d+)", line)
            port = match and match.group(1)
        subprocess.Popen(["cat"], stdin=daemon.stderr, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        requests.post(f"{url}/api/player/volume", json={"volume": 80}, timeout=5)
        print(f"{SECONDS} s of pink noise per file, best of {args.runs}; CPU seconds per second of audio")
        print("| format | musicboxd (decode+resample+volume+ALSA) | ffmpeg decode only | ratio |")
        print("|---|---|---|---|")
        for ext, (playlist, source) in playlists.items():
            ours, theirs = [], []
            for _ in range(args.runs):
                before = cpu_seconds(daemon.pid)
                requests.post(f"{url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
                while requests.get(f"{url}/api/player/status", timeout=5).json()["data"]["state"] != "stopped":
                    time.sleep(0.02)
                ours.append((cpu_seconds(daemon.pid) - before) / SECONDS)
                theirs.append(ffmpeg_cpu(source) / SECONDS)
            print(f"| {ext} | {min(ours) * 1000:.2f} ms/s | {min(theirs) * 1000:.2f} ms/s | {min(ours) / min(theirs):.2f}x |")
        print(f"peak RSS of the daemon: {peak_rss_kib(daemon.pid) / 1024:.1f} MiB (target: under 40)")
        for name, kib in resident_by_part(daemon.pid).items():
            print(f"  {name}: {kib / 1024:.1f} MiB")
        daemon.terminate()
        daemon.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
