"""Small helpers shared by the conformance tests."""
import json
import threading
import time

import requests
import socketio


def wait_for(predicate, timeout=5.0, interval=0.01):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Recorder:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url, transports, namespaces=None, auth=None, reconnection=False):
        self.events = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=reconnection, reconnection_delay=0.1, reconnection_delay_max=0.5)
        self.connects = 0
        self.disconnects = []

        @self.client.on("*")
        def any_event(event, *args):
            with self.lock:
                self.events.append((event, args))

        @self.client.event
        def connect():
            self.connects += 1

        @self.client.event
        def disconnect(reason=None):
            self.disconnects.append(reason)

        self.client.connect(url, transports=transports, namespaces=namespaces, auth=auth, wait_timeout=5)

    def received(self, name):
        with self.lock:
            return [args for event, args in self.events if event == name]

    def close(self):
        if self.client.connected:
            self.client.disconnect()


def raw_handshake(url):
    """Opens an Engine.IO polling session by hand and returns its sid and handshake."""
    reply = requests.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=5)
    assert reply.status_code == 200
    assert reply.text.startswith("0")
    handshake = json.loads(reply.text[1:])
    return handshake["sid"], handshake
