"""A real MQTT broker (Debian's mosquitto 2.0) on loopback, and a paho-mqtt client as the
smart home's side: what Home Assistant's MQTT integration would see and send."""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

from icecast import free_port


class Mosquitto:
    def __init__(self, users=None, tls=None, port=None):
        """`users`: {name: password} (then no anonymous clients); `tls`: (ca, cert, key) for a
        TLS listener on `tls_port` besides the plain one."""
        self.dir = tempfile.mkdtemp(prefix="musicboxd-mosquitto-")
        os.chmod(self.dir, 0o777)  # mosquitto started as root reads and logs as user mosquitto
        self.port = port or free_port()
        self.tls_port = free_port() if tls else None
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", f"log_dest file {self.dir}/mosquitto.log"]
        if users:
            passwords = os.path.join(self.dir, "passwords")
            open(passwords, "w").close()
            for name, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", passwords, name, password], check=True, capture_output=True)
            os.chmod(passwords, 0o644)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines += ["allow_anonymous true"]
        if tls:
            ca, cert, key = tls
            for path in tls:
                os.chmod(path, 0o644)
            # On both loopback addresses: "localhost" (the name the certificate carries) is ::1
            # first where /etc/hosts says so (Debian 13), and libmosquitto tries that one alone.
            for address in ("127.0.0.1", "::1"):
                lines += [f"listener {self.tls_port} {address}", f"cafile {ca}", f"certfile {cert}", f"keyfile {key}"]
                lines += ["allow_anonymous true"] if not users else []
        self.config = os.path.join(self.dir, "mosquitto.conf")
        with open(self.config, "w") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(self.config, 0o644)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", self.config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class HomeSide:
    """A paho client subscribed to `topics`, keeping the last payload of every topic and every
    message in order."""

    def __init__(self, port, topics=("#",), username=None, password=None):
        self.lock = threading.Condition()
        self.last = {}
        self.messages = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"home-{os.getpid()}-{time.monotonic_ns()}")
        if username:
            self.client.username_pw_set(username, password)
        self.topics = topics
        self.client.on_connect = lambda client, userdata, flags, reason, properties: [client.subscribe(t) for t in self.topics]
        self.client.on_message = self._received
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _received(self, client, userdata, message):
        with self.lock:
            payload = message.payload.decode("utf-8", "replace")
            self.last[message.topic] = payload
            self.messages.append((time.monotonic(), message.topic, payload, message.retain))
            self.lock.notify_all()

    def wait(self, predicate, timeout=10):
        with self.lock:
            return self.lock.wait_for(lambda: predicate(self), timeout=timeout)

    def send(self, topic, payload=""):
        self.client.publish(topic, payload).wait_for_publish(5)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()
