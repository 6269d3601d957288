"""A real Icecast 2 server (Debian's icecast2) on loopback, fed by ffmpeg with a sine tone: the
web radio the stream tests tune in to. Its admin interface changes the ICY title, and stopping
and starting the server is a station that drops and comes back."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

SOURCE_PASSWORD = "source-pw"
ADMIN_PASSWORD = "admin-pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Icecast:
    def __init__(self, frequency=440, mount="/radio.mp3", codec=("-c:a", "libmp3lame", "-b:a", "128k"),
                 content_type="audio/mpeg", container="mp3", port=None):
        self.dir = tempfile.mkdtemp(prefix="musicboxd-icecast-")
        os.chmod(self.dir, 0o777)  # icecast drops root for nobody and writes its logs here
        self.port = port or free_port()
        self.mount = mount
        self.frequency = frequency
        self.codec = codec
        self.content_type = content_type
        self.container = container
        self.server = None
        self.source = None
        config = os.path.join(self.dir, "icecast.xml")
        with open(config, "w") as out:
            out.write(f"""<icecast>
  <location>test</location><admin>test@localhost</admin>
  <limits><clients>100</clients><sources>4</sources><queue-size>524288</queue-size>
    <burst-size>65536</burst-size><source-timeout>10</source-timeout></limits>
  <authentication><source-password>{SOURCE_PASSWORD}</source-password>
    <admin-user>admin</admin-user><admin-password>{ADMIN_PASSWORD}</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>{self.port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{self.dir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>
</icecast>
""")
        self.config = config

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}{self.mount}"

    def start(self):
        self.server = subprocess.Popen(["icecast2", "-c", self.config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("icecast2 did not start")
        self.source = subprocess.Popen(
            ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"sine=frequency={self.frequency}:sample_rate=44100",
             "-ac", "2", *self.codec, "-content_type", self.content_type, "-f", self.container,
             f"icecast://source:{SOURCE_PASSWORD}@127.0.0.1:{self.port}{self.mount}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # On the air once a listener gets audio bytes.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with requests.get(self.url, stream=True, timeout=2) as reply:
                    if reply.status_code == 200 and next(reply.iter_content(1024), b""):
                        return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("the icecast source did not come on the air")

    def set_title(self, title):
        reply = requests.get(f"http://127.0.0.1:{self.port}/admin/metadata",
                             params={"mount": self.mount, "mode": "updinfo", "song": title},
                             auth=("admin", ADMIN_PASSWORD), timeout=5)
        reply.raise_for_status()
        assert b"successful" in reply.content, reply.content

    def stop(self):
        for process in (self.source, self.server):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.source = self.server = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
