"""Helpers for the upload tests: real audio files made by Debian's ffmpeg, and an uploader that
speaks CONTRACT §6 over HTTP as a browser would."""
import hashlib
import json
import math
import os
import sqlite3
import subprocess

import requests

# Format → (extension, ffmpeg codec arguments, whether ffmpeg can embed a cover in it).
FORMATS = {
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "3"], True),
    "m4a": ("m4a", ["-c:a", "aac", "-b:a", "128k"], True),
    "flac": ("flac", ["-c:a", "flac"], True),
    "ogg": ("ogg", ["-c:a", "libvorbis", "-q:a", "3"], False),
    "opus": ("opus", ["-c:a", "libopus", "-b:a", "96k"], False),
    "wav": ("wav", ["-c:a", "pcm_s16le"], False),
}


def make_cover(directory, color="red"):
    path = os.path.join(directory, f"cover-{color}.jpg")
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color={color}:s=96x96",
                        "-frames:v", "1", path], check=True)
    return path


def make_audio(directory, name, fmt, seconds, tags=None, cover=None, frequency=440):
    """A sine tone of `seconds` in `fmt`, with tags and (where the format can carry one) a cover."""
    ext, codec, can_cover = FORMATS[fmt]
    path = os.path.join(directory, f"{name}.{ext}")
    args = ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
            f"sine=frequency={frequency}:duration={seconds}:sample_rate=44100"]
    if cover and can_cover:
        args += ["-i", cover, "-map", "0:a", "-map", "1:v", "-c:v", "copy", "-disposition:v", "attached_pic"]
    args += ["-ac", "2", *codec]
    for key, value in (tags or {}).items():
        args += ["-metadata", f"{key}={value}"]
    subprocess.run(args + [path], check=True)
    return path


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_playlist(daemon, title="Uploads"):
    reply = requests.post(f"{daemon.url}/api/playlists", json={"title": title}, timeout=5)
    reply.raise_for_status()
    return reply.json()["data"]["id"]


def session_url(daemon, playlist_id, session_id=""):
    base = f"{daemon.url}/api/playlists/{playlist_id}/uploads"
    return f"{base}/{session_id}" if session_id else f"{base}/session"


def open_session(daemon, playlist_id, filename, size, chunk_size=None, file_hash=None):
    body = {"filename": filename, "file_size": size}
    if chunk_size:
        body["chunk_size"] = chunk_size
    if file_hash:
        body["file_hash"] = file_hash
    return requests.post(session_url(daemon, playlist_id), json=body, timeout=10)


def put_chunk(daemon, playlist_id, session_id, index, data, http=requests):
    return http.put(f"{session_url(daemon, playlist_id, session_id)}/chunks/{index}", data=data,
                    headers={"Content-Type": "application/octet-stream"}, timeout=30)


def upload(daemon, playlist_id, path, chunk_size=64 * 1024, filename=None, file_hash=None, finalize=True, override=None):
    """Uploads a whole file; returns the finalize reply (or the session id when `finalize` is False)."""
    size = os.path.getsize(path)
    reply = open_session(daemon, playlist_id, filename or os.path.basename(path), size, chunk_size, file_hash)
    assert reply.status_code == 201, reply.text
    session = reply.json()["data"]
    with requests.Session() as http, open(path, "rb") as handle:
        for index in range(session["total_chunks"]):
            handle.seek(index * session["chunk_size"])
            answer = put_chunk(daemon, playlist_id, session["session_id"], index, handle.read(session["chunk_size"]), http)
            assert answer.status_code == 200, answer.text
    if not finalize:
        return session["session_id"]
    body = {"metadata_override": override} if override else None
    return requests.post(f"{session_url(daemon, playlist_id, session['session_id'])}/finalize", json=body, timeout=60)


def probe_duration_ms(path):
    """What ffprobe (Debian's) says the length is, in ms."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", path],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["format"]["duration"]) * 1000


def library_state(daemon):
    """Rows and files of the daemon's library, read straight from its SQLite file and folders."""
    with sqlite3.connect(os.path.join(daemon.data, "musicbox.sqlite")) as db:
        rows = {name: (size, sha) for name, size, sha in db.execute("SELECT file_name, file_size, sha256 FROM tracks")}
    media = set(os.listdir(os.path.join(daemon.data, "media")))
    staging_dir = os.path.join(daemon.data, "uploads")
    staging = set(os.listdir(staging_dir)) if os.path.isdir(staging_dir) else set()
    return rows, media, staging


def assert_consistent(daemon):
    rows, media, staging = library_state(daemon)
    assert set(rows) == media, f"rows without files: {set(rows) - media}; files without rows: {media - set(rows)}"
    for name, (size, sha) in rows.items():
        path = os.path.join(daemon.data, "media", name)
        assert os.path.getsize(path) == size
        assert sha256(path) == sha
    return rows, media, staging


def close_enough(a, b, tolerance):
    return math.isclose(a, b, abs_tol=tolerance)
