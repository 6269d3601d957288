"""Small helpers shared by the conformance tests."""
import json
import threading
import time

import requests
import socketio
from engineio import packet as engineio_packet


def wait_for(predicate, timeout=5.0, interval=0.01):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def text_event(text):
    """(name, args) of a Socket.IO EVENT packet of the main namespace, as text; else None."""
    if not text.startswith("2"):
        return None
    body = text[1:].lstrip("0123456789")  # an ack id may follow the type
    if not body.startswith("["):
        return None  # another namespace
    name, *args = json.loads(body)
    return name, tuple(args)


def has_binary(value):
    if isinstance(value, (bytes, bytearray)):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_binary(item) for item in value)
    if isinstance(value, dict):
        return any(has_binary(item) for item in value.values())
    return False


class Recorder:
    """A python-socketio client that records every event it receives."""

    def __init__(self, url, transports, namespaces=None, auth=None, reconnection=False):
        self.events = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=reconnection, reconnection_delay=0.1, reconnection_delay_max=0.5)
        self.connects = 0
        self.disconnects = []
        # python-engineio hands each message to its handler on a new thread, so handlers may run
        # out of the order the messages came over the wire. Text events are therefore recorded
        # here, in the read loop, in wire order; the catch-all handler records only binary events.
        receive = self.client.eio._receive_packet

        def in_wire_order(pkt):
            if pkt.packet_type == engineio_packet.MESSAGE and isinstance(pkt.data, str):
                event = text_event(pkt.data)
                if event is not None:
                    with self.lock:
                        self.events.append(event)
            return receive(pkt)

        self.client.eio._receive_packet = in_wire_order

        @self.client.on("*")
        def any_event(event, *args):
            if has_binary(args):
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
