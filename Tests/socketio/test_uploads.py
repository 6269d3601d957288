"""Uploads (CONTRACT §6) against the real binary: real files of every format through HTTP, the
Socket.IO events a browser sees, and every kind of bad input, each leaving nothing behind."""
import os
import socket
import subprocess
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from uploads import (FORMATS, assert_consistent, create_playlist, library_state, make_audio, make_cover, open_session,
                     put_chunk, session_url, sha256, upload)


@pytest.fixture
def daemon():
    process = Daemon()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def fake_full_disk():
    """Builds the ENOSPC injector; returns the environment that preloads it with a byte limit."""
    out = os.path.join(tempfile.mkdtemp(prefix="musicboxd-fulldisk-"), "fake-full-disk.so")
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wall", "-Werror", "-o", out, os.path.join(here, "fake_full_disk.c"), "-ldl"],
                   check=True)
    return lambda limit_bytes: {"LD_PRELOAD": out, "FAKE_FULL_DISK_PATH": "/uploads/", "FAKE_FULL_DISK_LIMIT": str(limit_bytes)}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return str(tmp_path_factory.mktemp("upload-media"))


def finalize(daemon, playlist, session_id, body=None):
    return requests.post(f"{session_url(daemon, playlist, session_id)}/finalize", json=body, timeout=60)


def assert_left_nothing(daemon, rows_before):
    """No temp file, and the library exactly as before."""
    rows, media, staging = assert_consistent(daemon)
    assert staging == set(), f"temp files left: {staging}"
    assert set(rows) == set(rows_before)


# MARK: Every format

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_uploads_with_duration_tags_and_cover(daemon, media, fmt):
    cover = make_cover(media)
    tags = {"title": f"Song in {fmt}", "artist": "The Testers", "album": "Formats", "track": "4/9"}
    path = make_audio(media, f"tone-{fmt}", fmt, 2.5, tags=tags, cover=cover)
    playlist = create_playlist(daemon)

    reply = upload(daemon, playlist, path, chunk_size=64 * 1024)
    assert reply.status_code == 201, reply.text
    data = reply.json()["data"]
    track, metadata = data["track"], data["metadata"]
    assert abs(track["duration_ms"] - 2500) <= 50, (fmt, track["duration_ms"])
    assert (track["title"], track["artist"], track["album"]) == (tags["title"], "The Testers", "Formats")
    assert metadata["track_number"] == 4
    assert track["filename"] == os.path.basename(path)
    assert track["file_size"] == os.path.getsize(path)
    assert data["sha256"] == sha256(path)

    rows, files, staging = assert_consistent(daemon)
    assert len(rows) == 1 and staging == set()
    stored = os.path.join(daemon.data, "media", next(iter(files)))
    assert sha256(stored) == sha256(path), "the stored file is the uploaded one, byte for byte"

    playlist_after = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]
    assert [t["id"] for t in playlist_after["tracks"]] == [track["id"]]
    if FORMATS[fmt][2]:
        assert track["cover_url"] == f"/api/tracks/{track['id']}/cover"
        picture = requests.get(daemon.url + track["cover_url"], timeout=5)
        assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
        with open(cover, "rb") as handle:
            assert picture.content == handle.read()
        assert playlist_after["cover_url"] == f"/api/playlists/{playlist}/cover"
        assert requests.get(daemon.url + playlist_after["cover_url"], timeout=5).content == picture.content
    else:
        assert track["cover_url"] is None
        assert requests.get(f"{daemon.url}/api/tracks/{track['id']}/cover", timeout=5).status_code == 404


def test_title_falls_back_to_the_file_name_and_override_wins(daemon, media):
    path = make_audio(media, "untagged", "wav", 1.0)
    playlist = create_playlist(daemon)
    reply = upload(daemon, playlist, path, filename="Bedtime Song.wav")
    assert reply.json()["data"]["track"]["title"] == "Bedtime Song"
    reply = upload(daemon, playlist, path, filename="other.wav", override={"title": "Lullaby", "artist": "Mum"})
    track = reply.json()["data"]["track"]
    assert (track["title"], track["artist"]) == ("Lullaby", "Mum")


def test_multipart_chunks_are_accepted(daemon, media):
    path = make_audio(media, "form", "mp3", 2.0)
    size = os.path.getsize(path)
    playlist = create_playlist(daemon)
    session = open_session(daemon, playlist, "form.mp3", size, 64 * 1024).json()["data"]
    with open(path, "rb") as handle:
        for index in range(session["total_chunks"]):
            piece = handle.read(64 * 1024)
            reply = requests.put(f"{session_url(daemon, playlist, session['session_id'])}/chunks/{index}",
                                 files={"note": ("n.txt", b"ignored"), "file": ("blob", piece, "application/octet-stream")},
                                 timeout=10)
            assert reply.status_code == 200, reply.text
    reply = finalize(daemon, playlist, session["session_id"])
    assert reply.status_code == 201, reply.text
    assert reply.json()["data"]["sha256"] == sha256(path)


def test_a_resent_chunk_replaces_itself(daemon, media):
    path = make_audio(media, "again", "flac", 2.0)
    playlist = create_playlist(daemon)
    session_id = upload(daemon, playlist, path, finalize=False)
    with open(path, "rb") as handle:
        first = handle.read(64 * 1024)
    # Garbage first, then the right bytes again: the last write wins, and it counts once.
    assert put_chunk(daemon, playlist, session_id, 0, b"x" * len(first)).status_code == 200
    reply = put_chunk(daemon, playlist, session_id, 0, first)
    assert reply.status_code == 200
    assert reply.json()["data"]["bytes_received"] == os.path.getsize(path)
    reply = finalize(daemon, playlist, session_id)
    assert reply.status_code == 201
    assert reply.json()["data"]["sha256"] == sha256(path)


def test_same_content_twice_is_added_with_a_duplicate_warning(daemon, media):
    path = make_audio(media, "twice", "mp3", 1.0)
    playlist = create_playlist(daemon)
    first = upload(daemon, playlist, path).json()["data"]
    assert first["warnings"] == []
    second = upload(daemon, playlist, path, filename="twice-again.mp3").json()["data"]
    assert [w["code"] for w in second["warnings"]] == ["duplicate"]
    assert second["warnings"][0]["track_id"] == first["track"]["id"]
    assert second["track"]["track_number"] == 2


# MARK: Events

def test_events_progress_then_playlist_then_complete(daemon, media):
    path = make_audio(media, "events", "wav", 6.0)  # about 1 MiB: 16 chunks of 64 KiB
    playlist = create_playlist(daemon)
    client = Recorder(daemon.url, ["websocket"])
    try:
        assert client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)["success"]
        watcher = Recorder(daemon.url, ["polling"])
        assert watcher.client.call("join:playlists", {}, timeout=5)["success"]
        reply = upload(daemon, playlist, path)
        assert reply.status_code == 201
        track_id = reply.json()["data"]["track"]["id"]
        assert wait_for(lambda: client.received("upload:complete"), timeout=5)
        progress = [args[0] for args in client.received("upload:progress")]
        assert progress, "no upload:progress"
        assert progress[-1]["complete"] is True and progress[-1]["progress"] == 100
        assert progress[-1]["bytes_received"] == progress[-1]["file_size"] == os.path.getsize(path)
        assert [p["bytes_received"] for p in progress] == sorted(p["bytes_received"] for p in progress)
        assert all(p["playlist_id"] == playlist for p in progress)
        # The track arrives as a state change first, then the completion naming it.
        names = [name for name, _ in client.events if name in ("state:playlist", "upload:complete")]
        assert names[-2:] == ["state:playlist", "upload:complete"]
        playlist_event = [args[0] for args in client.received("state:playlist")][-1]
        assert [t["id"] for t in playlist_event["data"]["tracks"]] == [track_id]
        complete = client.received("upload:complete")[0][0]
        assert complete["track"]["id"] == track_id and complete["filename"] == "events.wav"
        assert complete["metadata"]["codec"] == "pcm_s16le"
        # The playlists room hears about uploads too.
        assert wait_for(lambda: watcher.received("upload:complete"), timeout=5)
        watcher.close()
    finally:
        client.close()


def test_progress_is_sent_at_most_every_250_ms(daemon, media):
    path = make_audio(media, "paced", "wav", 12.0)  # ~2 MiB in 32 chunks, sent slowly
    playlist = create_playlist(daemon)
    client = Recorder(daemon.url, ["websocket"])
    try:
        client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        size = os.path.getsize(path)
        session = open_session(daemon, playlist, "paced.wav", size, 64 * 1024).json()["data"]
        started = time.monotonic()
        with open(path, "rb") as handle, requests.Session() as http:
            for index in range(session["total_chunks"]):
                put_chunk(daemon, playlist, session["session_id"], index, handle.read(64 * 1024), http).raise_for_status()
                time.sleep(0.04)
        elapsed = time.monotonic() - started
        assert wait_for(lambda: any(a[0]["complete"] for a in client.received("upload:progress")), timeout=5)
        progress = [args[0] for args in client.received("upload:progress")]
        # One event per 250 ms at most, plus the last chunk's: far fewer than the 32 chunks.
        assert 2 <= len(progress) <= elapsed / 0.25 + 2, (len(progress), elapsed)
        assert progress[-1]["chunk_index"] == session["total_chunks"] - 1
    finally:
        client.close()


# MARK: Bad input, each with its own clear error, leaving nothing behind

def test_text_file_named_mp3_is_refused_at_finalize(daemon, media):
    path = os.path.join(media, "notes.mp3")
    with open(path, "w") as handle:
        handle.write("Shopping list: milk, bread, eggs.\n" * 200)
    playlist = create_playlist(daemon)
    before, _, _ = library_state(daemon)
    client = Recorder(daemon.url, ["websocket"])
    try:
        client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        reply = upload(daemon, playlist, path)
        assert reply.status_code == 415
        body = reply.json()
        assert body["error_type"] == "unsupported_format" and body["message"]
        assert wait_for(lambda: client.received("upload:error"), timeout=5)
        error = client.received("upload:error")[0][0]
        assert error["error_type"] == "unsupported_format" and error["playlist_id"] == playlist and error["error"]
    finally:
        client.close()
    assert_left_nothing(daemon, before)


def test_truncated_mp3_is_refused(daemon, media):
    whole = make_audio(media, "long", "mp3", 20.0)
    cut = os.path.join(media, "cut.mp3")
    with open(whole, "rb") as source, open(cut, "wb") as target:
        target.write(source.read(os.path.getsize(whole) // 2))
    playlist = create_playlist(daemon)
    before, _, _ = library_state(daemon)
    reply = upload(daemon, playlist, cut)
    assert reply.status_code == 415
    assert reply.json()["details"]["reason"] == "truncated"
    assert "cut short" in reply.json()["message"]
    assert_left_nothing(daemon, before)


def test_zero_byte_file_is_refused_at_session(daemon):
    playlist = create_playlist(daemon)
    reply = open_session(daemon, playlist, "empty.mp3", 0)
    assert reply.status_code == 400
    assert reply.json()["details"]["reason"] == "empty"
    assert_left_nothing(daemon, {})


def test_chunk_index_out_of_range(daemon, media):
    path = make_audio(media, "range", "wav", 1.0)
    playlist = create_playlist(daemon)
    session = open_session(daemon, playlist, "range.wav", os.path.getsize(path), 64 * 1024).json()["data"]
    for index in (session["total_chunks"], -1, 10**6):
        reply = put_chunk(daemon, playlist, session["session_id"], index, b"abc")
        assert reply.status_code == 400, index
        assert reply.json()["details"]["field"] == "index"
    reply = put_chunk(daemon, playlist, session["session_id"], "first", b"abc")
    assert reply.status_code == 400
    requests.delete(session_url(daemon, playlist, session["session_id"]), timeout=5).raise_for_status()
    assert_left_nothing(daemon, {})


def test_chunk_larger_than_the_chunk_size(daemon, media):
    path = make_audio(media, "big", "wav", 1.0)
    playlist = create_playlist(daemon)
    session = open_session(daemon, playlist, "big.wav", os.path.getsize(path), 64 * 1024).json()["data"]
    reply = put_chunk(daemon, playlist, session["session_id"], 0, b"\0" * (64 * 1024 + 1))
    assert reply.status_code == 413
    assert reply.json()["details"]["reason"] == "chunk_too_large"

    # Without Content-Length (chunked transfer): noticed while streaming.
    def pieces():
        for _ in range(3):
            yield b"\1" * 40_000
    reply = requests.put(f"{session_url(daemon, playlist, session['session_id'])}/chunks/0", data=pieces(), timeout=10)
    assert reply.status_code == 413
    status = requests.get(session_url(daemon, playlist, session["session_id"]), timeout=5).json()["data"]
    assert status["received_chunks"] == [] and status["bytes_received"] == 0
    # A short chunk is not counted either.
    reply = put_chunk(daemon, playlist, session["session_id"], 0, b"\2" * 100)
    assert reply.status_code == 400 and reply.json()["details"]["reason"] == "chunk_incomplete"
    requests.delete(session_url(daemon, playlist, session["session_id"]), timeout=5).raise_for_status()
    assert_left_nothing(daemon, {})


def test_wrong_file_hash_is_refused_at_finalize(daemon, media):
    path = make_audio(media, "hashed", "flac", 1.5)
    playlist = create_playlist(daemon)
    reply = upload(daemon, playlist, path, file_hash="0" * 64)
    assert reply.status_code == 400
    assert reply.json()["details"]["reason"] == "hash_mismatch"
    assert reply.json()["details"]["actual"] == sha256(path)
    assert_left_nothing(daemon, {})
    reply = upload(daemon, playlist, path, file_hash=sha256(path).upper())
    assert reply.status_code == 201
    assert open_session(daemon, playlist, "x.mp3", 10, file_hash="not-a-hash").status_code == 400


@pytest.mark.parametrize("name,reason", [
    ("../../etc/evil.mp3", "path"),
    ("a/b.mp3", "path"),
    ("a\\b.mp3", "path"),
    ("nul\0byte.mp3", "control_character"),
    ("x" * 296 + ".mp3", "too_long"),
    (".hidden.mp3", "hidden"),
    ("", "empty"),
])
def test_bad_file_names_are_refused(daemon, name, reason):
    playlist = create_playlist(daemon)
    reply = open_session(daemon, playlist, name, 1000)
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error_type"] == "validation_error" and body["details"]["reason"] == reason
    assert_left_nothing(daemon, {})


def test_wrong_type_by_name_is_refused_before_upload(daemon):
    playlist = create_playlist(daemon)
    for name in ("setup.exe", "photo.jpg", "noextension"):
        reply = open_session(daemon, playlist, name, 1000)
        assert reply.status_code == 415, name
        assert reply.json()["error_type"] == "unsupported_format"


def test_two_sessions_for_the_same_file_name(daemon, media):
    path = make_audio(media, "same", "wav", 1.0)
    playlist = create_playlist(daemon)
    size = os.path.getsize(path)
    first = open_session(daemon, playlist, "same.wav", size).json()["data"]
    second = open_session(daemon, playlist, "same.wav", size)
    assert second.status_code == 409
    assert second.json()["details"] == {"reason": "upload_in_progress", "session_id": first["session_id"]}
    # Another playlist may take a file of the same name at the same time.
    other = create_playlist(daemon, "Other")
    assert open_session(daemon, other, "same.wav", size).status_code == 201


def test_too_large_and_too_many(daemon):
    playlist = create_playlist(daemon)
    reply = open_session(daemon, playlist, "huge.flac", 2 * 1024**3)
    assert reply.status_code == 413 and reply.json()["error_type"] == "payload_too_large"
    # One client holds at most 4 of the 8 slots.
    for index in range(4):
        assert open_session(daemon, playlist, f"song{index}.mp3", 1000).status_code == 201
    reply = open_session(daemon, playlist, "one-more.mp3", 1000)
    assert reply.status_code == 409 and reply.json()["details"]["reason"] == "too_many_uploads_of_yours"
    requests.delete(f"{daemon.url}/api/uploads", timeout=5).raise_for_status()
    # The box as a whole holds 8.
    roomy = Daemon(env_extra={"MUSICBOXD_UPLOADS_MAX_SESSIONS_PER_CLIENT": "100"})
    try:
        playlist = create_playlist(roomy)
        for index in range(8):
            assert open_session(roomy, playlist, f"song{index}.mp3", 1000).status_code == 201
        reply = open_session(roomy, playlist, "one-more.mp3", 1000)
        assert reply.status_code == 409 and reply.json()["details"]["reason"] == "too_many_uploads"
    finally:
        roomy.stop()


def test_playlist_deleted_during_an_upload(daemon, media):
    path = make_audio(media, "orphan", "wav", 2.0)
    playlist = create_playlist(daemon)
    client = Recorder(daemon.url, ["websocket"])
    try:
        client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        session_id = None
        size = os.path.getsize(path)
        session = open_session(daemon, playlist, "orphan.wav", size, 64 * 1024).json()["data"]
        session_id = session["session_id"]
        with open(path, "rb") as handle:
            assert put_chunk(daemon, playlist, session_id, 0, handle.read(64 * 1024)).status_code == 200
            requests.delete(f"{daemon.url}/api/playlists/{playlist}", timeout=5).raise_for_status()
            reply = put_chunk(daemon, playlist, session_id, 1, handle.read(64 * 1024))
        assert reply.status_code == 404
        assert reply.json()["details"]["reason"] == "playlist_deleted"
        assert wait_for(lambda: client.received("upload:error"), timeout=5)
        assert requests.get(session_url(daemon, playlist, session_id), timeout=5).status_code == 404
    finally:
        client.close()
    assert_left_nothing(daemon, {})


def test_a_playlist_deleted_just_before_finalize(daemon, media):
    path = make_audio(media, "late", "wav", 1.0)
    playlist = create_playlist(daemon)
    session_id = upload(daemon, playlist, path, finalize=False)
    requests.delete(f"{daemon.url}/api/playlists/{playlist}", timeout=5).raise_for_status()
    reply = finalize(daemon, playlist, session_id)
    assert reply.status_code == 404
    assert_left_nothing(daemon, {})


def test_disk_reserve_refuses_before_writing(media):
    daemon = Daemon(env_extra={"MUSICBOXD_UPLOADS_FREE_SPACE_RESERVE_MB": "1000000"})
    try:
        playlist = create_playlist(daemon)
        reply = open_session(daemon, playlist, "song.mp3", 5 * 1024 * 1024)
        assert reply.status_code == 507
        body = reply.json()
        assert body["error_type"] == "insufficient_storage" and "Delete some songs" in body["message"]
        assert_left_nothing(daemon, {})
    finally:
        daemon.stop()


def test_disk_full_while_writing(media, fake_full_disk):
    """The disk fills up mid-upload (write() fails with ENOSPC, injected under the real binary):
    507, upload:error, and the temp file is gone at once so the space comes back."""
    daemon = Daemon(env_extra=fake_full_disk(limit_bytes=300 * 1024))
    try:
        path = make_audio(media, "full", "wav", 6.0)
        playlist = create_playlist(daemon)
        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlist", {"playlist_id": playlist}, timeout=5)
        session = open_session(daemon, playlist, "full.wav", os.path.getsize(path), 64 * 1024).json()["data"]
        codes = []
        with open(path, "rb") as handle:
            for index in range(session["total_chunks"]):
                reply = put_chunk(daemon, playlist, session["session_id"], index, handle.read(64 * 1024))
                codes.append(reply.status_code)
                if reply.status_code != 200:
                    body = reply.json()
                    break
        assert codes[-1] == 507 and set(codes[:-1]) == {200}, codes
        assert body["error_type"] == "insufficient_storage" and body["details"]["reason"] == "disk_full"
        assert wait_for(lambda: client.received("upload:error"), timeout=5)
        assert client.received("upload:error")[0][0]["error_type"] == "insufficient_storage"
        client.close()
        assert requests.get(session_url(daemon, playlist, session["session_id"]), timeout=5).status_code == 404
        assert_left_nothing(daemon, {})
        # The box goes on working.
        assert requests.get(f"{daemon.url}/api/health", timeout=5).status_code == 200
    finally:
        daemon.stop()


# MARK: Resume, cancel, restart

def test_resume_after_a_dropped_connection(daemon, media):
    path = make_audio(media, "resume", "wav", 4.0)
    size = os.path.getsize(path)
    playlist = create_playlist(daemon)
    session = open_session(daemon, playlist, "resume.wav", size, 64 * 1024, file_hash=sha256(path)).json()["data"]
    sid, total = session["session_id"], session["total_chunks"]
    assert total >= 4
    with open(path, "rb") as handle:
        data = handle.read()
    chunk = lambda i: data[i * 64 * 1024:(i + 1) * 64 * 1024]  # noqa: E731
    with requests.Session() as http:
        for index in range(0, total // 2):
            put_chunk(daemon, playlist, sid, index, chunk(index), http).raise_for_status()
    # The connection drops in the middle of the next chunk.
    host, port = daemon.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port))) as raw:
        head = (f"PUT /api/playlists/{playlist}/uploads/{sid}/chunks/{total // 2} HTTP/1.1\r\nHost: x\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {len(chunk(total // 2))}\r\n\r\n")
        raw.sendall(head.encode() + chunk(total // 2)[:1000])
    time.sleep(0.3)
    status = requests.get(session_url(daemon, playlist, sid), timeout=5).json()["data"]
    assert status["received_chunks"] == list(range(total // 2))
    assert status["bytes_received"] == (total // 2) * 64 * 1024
    # A new connection sends the rest, in reverse order for good measure.
    with requests.Session() as http:
        for index in reversed([i for i in range(total) if i not in status["received_chunks"]]):
            put_chunk(daemon, playlist, sid, index, chunk(index), http).raise_for_status()
    reply = finalize(daemon, playlist, sid)
    assert reply.status_code == 201, reply.text
    stored = os.path.join(daemon.data, "media", reply.json()["data"]["track"]["id"] + ".wav")
    assert sha256(stored) == sha256(path)


def test_finalize_before_every_chunk_names_the_missing(daemon, media):
    path = make_audio(media, "early", "wav", 2.0)
    playlist = create_playlist(daemon)
    session = open_session(daemon, playlist, "early.wav", os.path.getsize(path), 64 * 1024).json()["data"]
    with open(path, "rb") as handle:
        put_chunk(daemon, playlist, session["session_id"], 0, handle.read(64 * 1024)).raise_for_status()
    reply = finalize(daemon, playlist, session["session_id"])
    assert reply.status_code == 409
    details = reply.json()["details"]
    assert details["reason"] == "upload_incomplete"
    assert details["missing_chunks"].split(",")[:2] == ["1", "2"]
    assert int(details["missing_count"]) == session["total_chunks"] - 1


def test_cancel_removes_the_parts(daemon, media):
    path = make_audio(media, "cancel", "wav", 2.0)
    playlist = create_playlist(daemon)
    session_id = upload(daemon, playlist, path, finalize=False)
    _, _, staging = library_state(daemon)
    assert staging == {f"{session_id}.part"}
    assert requests.delete(session_url(daemon, playlist, session_id), timeout=5).status_code == 200
    assert requests.get(session_url(daemon, playlist, session_id), timeout=5).status_code == 404
    assert finalize(daemon, playlist, session_id).status_code == 404
    assert_left_nothing(daemon, {})


def test_restart_removes_leftovers_of_either_side(daemon, media):
    path = make_audio(media, "kept", "wav", 1.0)
    playlist = create_playlist(daemon)
    kept = upload(daemon, playlist, path).json()["data"]["track"]
    upload(daemon, playlist, path, filename="unfinished.wav", finalize=False)
    # A file renamed in whose row never committed, as a crash between the two would leave.
    orphan = os.path.join(daemon.data, "media", "0b5e54c4-6f1e-4c56-9d86-3f3bd0f7d1aa.wav")
    with open(path, "rb") as source, open(orphan, "wb") as target:
        target.write(source.read())
    daemon.proc.kill()
    daemon.proc.wait()
    daemon.start()
    rows, files, staging = assert_consistent(daemon)
    assert staging == set()
    assert files == {f"{kept['id']}.wav"}


# MARK: Serving audio

def test_track_audio_is_served_with_ranges(daemon, media):
    path = make_audio(media, "serve", "mp3", 3.0)
    with open(path, "rb") as handle:
        data = handle.read()
    playlist = create_playlist(daemon)
    track = upload(daemon, playlist, path).json()["data"]["track"]
    url = f"{daemon.url}/api/tracks/{track['id']}/audio"
    whole = requests.get(url, timeout=5)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/mpeg" and whole.headers["accept-ranges"] == "bytes"
    part = requests.get(url, headers={"Range": "bytes=100-1099"}, timeout=5)
    assert part.status_code == 206 and part.content == data[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
    tail = requests.get(url, headers={"Range": "bytes=-500"}, timeout=5)
    assert tail.status_code == 206 and tail.content == data[-500:]
    rest = requests.get(url, headers={"Range": f"bytes={len(data) - 10}-"}, timeout=5)
    assert rest.content == data[-10:]
    beyond = requests.get(url, headers={"Range": f"bytes={len(data)}-"}, timeout=5)
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
    assert requests.get(f"{daemon.url}/api/tracks/00000000-0000-4000-8000-000000000000/audio", timeout=5).status_code == 404


# MARK: Crashes

def test_kill_9_at_random_points_of_50_uploads_leaves_a_consistent_library(media):
    """The daemon is killed (SIGKILL) at a random moment of each of 50 uploads: while chunks stream,
    while finalizing, between the rename and the commit. After every restart each row has its file,
    each file its row, the files are the bytes their rows' SHA-256 names, and no temp file survives."""
    import random
    import threading

    random.seed(8)
    songs = [make_audio(media, f"crash-{n}", fmt, seconds) for n, (fmt, seconds) in
             enumerate([("wav", 20.0), ("mp3", 120.0), ("flac", 30.0)])]
    # The daemons' logs go to a file, shown when a round fails (a flake seen once: a row whose
    # file was missing after a restart, not reproduced in 7 further runs).
    log = os.path.join(tempfile.mkdtemp(prefix="kill9-"), "daemon.log")
    os.environ["TEST_DAEMON_LOG"] = log
    daemon = Daemon()
    try:
        playlist = create_playlist(daemon)
        completed = 0
        for round_number in range(50):
            song = random.choice(songs)
            outcome = {}

            def run_upload():
                try:
                    reply = upload(daemon, playlist, song, chunk_size=64 * 1024, filename=f"round-{round_number}.{song.rsplit('.', 1)[1]}")
                    outcome["status"] = reply.status_code
                except (requests.ConnectionError, AssertionError) as error:
                    outcome["error"] = error

            worker = threading.Thread(target=run_upload)
            worker.start()
            time.sleep(random.uniform(0.0, 0.35))
            daemon.proc.kill()
            daemon.proc.wait()
            worker.join(timeout=30)
            completed += outcome.get("status") == 201
            daemon.start()
            try:
                rows, files, staging = assert_consistent(daemon)
            except AssertionError:
                with open(log) as handle:
                    print(f"round {round_number}, song {song}, daemon log tail:\n" + "".join(handle.readlines()[-60:]))
                raise
            assert staging == set(), f"round {round_number}: temp files survived a restart: {staging}"
            listed = requests.get(f"{daemon.url}/api/playlists/{playlist}", timeout=5).json()["data"]["tracks"]
            assert sorted(f"{t['id']}.{t['filename'].rsplit('.', 1)[1]}" for t in listed) == sorted(rows)
            assert [t["track_number"] for t in listed] == list(range(1, len(listed) + 1))
        # The kills landed all over: some uploads finished, many did not.
        print(f"\n{completed} of 50 uploads finished before the kill; {len(rows)} tracks in the library")
        assert 0 < completed < 50, completed
    finally:
        os.environ.pop("TEST_DAEMON_LOG", None)
        daemon.stop()


# MARK: Import from a folder

def cli_env():
    """The environment without our own MUSICBOXD_* variables (CI sets MUSICBOXD_BINARY), which
    the command line would rightly refuse as unknown settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}


def test_import_a_folder_through_the_running_daemon(daemon, media):
    folder = tempfile.mkdtemp(prefix="musicboxd-import-")
    os.makedirs(os.path.join(folder, "CD 1"))
    first = make_audio(media, "import-a", "mp3", 1.5, tags={"title": "Second Song"})
    second = make_audio(media, "import-b", "flac", 1.0, tags={"title": "First Song"})
    import shutil
    shutil.copy(second, os.path.join(folder, "CD 1", "2 Morning.flac"))
    shutil.copy(first, os.path.join(folder, "CD 1", "10 Evening.mp3"))
    with open(os.path.join(folder, "cover.txt"), "w") as handle:
        handle.write("not a song")
    with open(os.path.join(folder, "broken.mp3"), "w") as handle:
        handle.write("not audio either" * 100)
    run = subprocess.run([daemon.binary, "import", folder, "--playlist", "Bedtime", "--url", daemon.url],
                         capture_output=True, text=True, timeout=60, env=cli_env())
    # The broken file is reported and makes the exit status 1; the good ones are in, in natural order.
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Created playlist \"Bedtime\"" in run.stdout
    assert "broken.mp3: not added" in run.stdout and "2 added, 1 not added." in run.stdout
    playlists = requests.get(f"{daemon.url}/api/playlists", timeout=5).json()["data"]["playlists"]
    bedtime = [p for p in playlists if p["title"] == "Bedtime"]
    assert len(bedtime) == 1
    tracks = requests.get(f"{daemon.url}/api/playlists/{bedtime[0]['id']}", timeout=5).json()["data"]["tracks"]
    assert [t["filename"] for t in tracks] == ["2 Morning.flac", "10 Evening.mp3"]
    assert [t["title"] for t in tracks] == ["First Song", "Second Song"]
    assert_left_nothing(daemon, {f"{t['id']}.{t['filename'].rsplit('.', 1)[1]}": 0 for t in tracks})
    # Importing again into the existing playlist adds to it (duplicates are warned about, not refused).
    again = subprocess.run([daemon.binary, "import", os.path.join(folder, "CD 1"), "--playlist", "Bedtime", "--url", daemon.url],
                           capture_output=True, text=True, timeout=60, env=cli_env())
    assert again.returncode == 0 and "Created playlist" not in again.stdout, again.stdout
    tracks = requests.get(f"{daemon.url}/api/playlists/{bedtime[0]['id']}", timeout=5).json()["data"]["tracks"]
    assert len(tracks) == 4


def test_import_without_a_daemon_says_so(media):
    folder = tempfile.mkdtemp(prefix="musicboxd-import-")
    import shutil
    shutil.copy(make_audio(media, "lonely", "wav", 0.5), folder)
    binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "musicboxd")
    run = subprocess.run([binary, "import", folder, "--playlist", "X", "--url", "http://127.0.0.1:9"],
                         capture_output=True, text=True, timeout=30, env=cli_env())
    assert run.returncode != 0
    assert "no musicboxd answers at 127.0.0.1:9" in run.stdout + run.stderr
