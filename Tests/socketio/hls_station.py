"""A live HLS station with timed metadata, as Apple's HLS spec has it: one-second MPEG-TS
segments of AAC (a sine tone, encoded once by ffmpeg) each starting with an ID3 tag (TIT2,
TPE1) in a stream of type 0x15, a sliding playlist that moves on in real time. ffmpeg's own
muxer cannot be given an ID3 stream to mux, so the few MPEG-TS packets are written here."""
import http.server
import subprocess
import threading
import time

SAMPLE_RATE = 44100
FRAMES_PER_SEGMENT = 43  # AAC frames of 1024 samples: 0.998 s
AUDIO_PID, ID3_PID, PMT_PID = 0x100, 0x101, 0x1000


def crc32_mpeg(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = (crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def syncsafe(n):
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3_tag(title, artist):
    frames = b""
    for frame_id, text in (("TIT2", title), ("TPE1", artist)):
        body = b"\x03" + text.encode()
        frames += frame_id.encode() + syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + syncsafe(len(frames)) + frames


def adts_frames(frequency, seconds):
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate={SAMPLE_RATE}:duration={seconds}",
                          "-ac", "2", "-c:a", "aac", "-b:a", "96k", "-f", "adts", "-"], check=True, capture_output=True).stdout
    frames, index = [], 0
    while index + 7 <= len(raw):
        length = ((raw[index + 3] & 0x03) << 11) | (raw[index + 4] << 3) | (raw[index + 5] >> 5)
        frames.append(raw[index:index + length])
        index += length
    return frames


class TransportStream:
    """PAT, PMT, and PES packets cut into 188-byte packets, continuity counted per PID."""

    def __init__(self, counters=None):
        self.counters = dict(counters or {})

    def packets(self, pid, payload, start=True):
        out = b""
        first = True
        while payload or first:
            chunk = payload[:184]
            header = bytes([0x47, (0x40 if first and start else 0) | (pid >> 8), pid & 0xFF])
            counter = self.counters.get(pid, 0)
            self.counters[pid] = (counter + 1) % 16
            if len(chunk) < 184:
                stuffing = 184 - len(chunk) - 1
                field = bytes([stuffing]) + (bytes([0x00]) + b"\xff" * (stuffing - 1) if stuffing > 0 else b"")
                out += header + bytes([0x30 | counter]) + field + chunk
            else:
                out += header + bytes([0x10 | counter]) + chunk
            payload = payload[184:]
            first = False
        return out

    @staticmethod
    def section(table_id, extension, body):
        length = 5 + len(body) + 4
        data = bytes([table_id, 0xB0 | (length >> 8), length & 0xFF, extension >> 8, extension & 0xFF, 0xC1, 0, 0]) + body
        return b"\x00" + data + crc32_mpeg(data).to_bytes(4, "big")

    def tables(self):
        pat = self.section(0x00, 1, bytes([0, 1, 0xE0 | (PMT_PID >> 8), PMT_PID & 0xFF]))
        # The ID3 stream's metadata descriptor as FFmpeg's muxer writes it (format "ID3 ").
        descriptor = bytes([0x26, 13, 0xFF, 0xFF]) + b"ID3 " + b"\xff" + b"ID3 " + bytes([0, 0x0F])
        streams = (bytes([0x0F, 0xE0 | (AUDIO_PID >> 8), AUDIO_PID & 0xFF, 0xF0, 0])
                   + bytes([0x15, 0xE0 | (ID3_PID >> 8), ID3_PID & 0xFF, 0xF0, len(descriptor)]) + descriptor)
        pmt = self.section(0x02, 1, bytes([0xE0 | (AUDIO_PID >> 8), AUDIO_PID & 0xFF, 0xF0, 0]) + streams)
        return self.packets(0, pat) + self.packets(PMT_PID, pmt)

    @staticmethod
    def pes(stream_id, pts, payload):
        stamp = bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, 0x01 | ((pts >> 14) & 0xFE), (pts >> 7) & 0xFF, 0x01 | ((pts << 1) & 0xFE)])
        header = bytes([0x80, 0x80, 5]) + stamp
        return b"\x00\x00\x01" + bytes([stream_id]) + (len(header) + len(payload)).to_bytes(2, "big") + header + payload


class HLSStation:
    def __init__(self, frequency=550, titles=("Moon Song", "Sun Song", "Star Song"), seconds_per_title=3, window=5):
        self.frames = adts_frames(frequency, 60)  # looped after a minute: no seam while a test listens
        self.titles = titles
        self.seconds_per_title = seconds_per_title
        self.window = window
        self.started = time.monotonic() - window  # a full window from the start
        # Continuity counters at each segment's start: segments follow each other in one stream.
        self.counters = {0: {}}
        self.lock = threading.Lock()
        station = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/live.m3u8":
                    body, kind = station.playlist().encode(), "application/vnd.apple.mpegurl"
                elif self.path.startswith("/seg") and self.path.endswith(".ts"):
                    body, kind = station.segment(int(self.path[4:-3])), "video/mp2t"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/live.m3u8"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def title_of(self, number):
        return self.titles[(number // self.seconds_per_title) % len(self.titles)]

    def playlist(self):
        duration = FRAMES_PER_SEGMENT * 1024 / SAMPLE_RATE
        newest = int((time.monotonic() - self.started) / duration)
        first = max(0, newest - self.window)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
        for number in range(first, newest):
            lines += [f"#EXTINF:{duration:.3f},", f"seg{number}.ts"]
        return "\n".join(lines) + "\n"

    def segment(self, number):
        with self.lock:
            known = max(n for n in self.counters if n <= number)
            for earlier in range(known, number):
                self.counters[earlier + 1] = self.write(earlier, self.counters[earlier])[1]
            start = self.counters[number]
        return self.write(number, start)[0]

    def write(self, number, counters):
        stream = TransportStream(counters)
        pts = number * FRAMES_PER_SEGMENT * 1024 * 90000 // SAMPLE_RATE
        out = stream.tables()
        out += stream.packets(ID3_PID, stream.pes(0xBD, pts, id3_tag(self.title_of(number), "The Testers")))
        for index in range(FRAMES_PER_SEGMENT):
            frame = self.frames[(number * FRAMES_PER_SEGMENT + index) % len(self.frames)]
            frame_pts = pts + index * 1024 * 90000 // SAMPLE_RATE
            out += stream.packets(AUDIO_PID, stream.pes(0xC0, frame_pts, frame))
        return out, stream.counters

    def close(self):
        self.server.shutdown()
        self.server.server_close()
