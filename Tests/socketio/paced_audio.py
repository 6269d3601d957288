"""A paced ALSA device without a sound card: PulseAudio with a null sink, reached through ALSA's
`pulse` plugin, wrapped in the `file` plugin so the test also gets what was played.

A second client keeps a 20 ms silent stream on the sink, so the sink runs with a small block
size like a real card (an idle null sink renders in blocks of up to 2 s, which would stall every
new stream that long); a short warm-up stream takes the one long first block."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest


class PacedAudio:
    def __init__(self):
        if not shutil.which("pulseaudio") or not shutil.which("pacat"):
            pytest.fail("pulseaudio and pacat are missing: `make deps` installs them")
        self.dir = tempfile.mkdtemp(prefix="musicboxd-pulse-")
        self.capture = os.path.join(self.dir, "played.raw")
        with open(os.path.join(self.dir, "box.pa"), "w") as pa:
            pa.write("load-module module-native-protocol-unix\nload-module module-null-sink sink_name=box\nset-default-sink box\n")
        self.alsa_config = os.path.join(self.dir, "asound.conf")
        with open(self.alsa_config, "w") as conf:
            conf.write("</usr/share/alsa/alsa.conf>\n"
                       f'pcm.paced {{\n type file\n slave.pcm "pulse"\n file "{self.capture}"\n format "raw"\n}}\n')
        self.env = {"HOME": self.dir, "XDG_RUNTIME_DIR": self.dir, "PULSE_RUNTIME_PATH": os.path.join(self.dir, "pulse"),
                    "ALSA_CONFIG_PATH": self.alsa_config}
        self.keepalive = None
        self.start_server()

    def start_server(self):
        """Starts the sound server (again): like plugging the device in."""
        env = {**os.environ, **self.env}
        socket = os.path.join(self.dir, "pulse", "native")
        if os.path.exists(socket):
            os.remove(socket)
        self.server = subprocess.Popen(["pulseaudio", "-n", "-F", os.path.join(self.dir, "box.pa"), "--daemonize=no",
                                        "--exit-idle-time=-1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(socket):
            if time.time() > deadline or self.server.poll() is not None:
                raise RuntimeError("pulseaudio did not start")
            time.sleep(0.05)
        self.keepalive = subprocess.Popen(["pacat", "-p", "--raw", "--latency-msec=20"], stdin=open("/dev/zero", "rb"),
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The first stream after the sink starts still waits for a long block; let a short one take that.
        subprocess.run(["pacat", "-p", "--raw", "--latency-msec=20"], input=bytes(35_280), env=env, timeout=15,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_server(self):
        """Kills the sound server: like unplugging the device."""
        for proc in (self.keepalive, self.server):
            if proc and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    def stop(self):
        self.kill_server()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def paced_audio():
    audio = PacedAudio()
    yield audio
    audio.stop()
