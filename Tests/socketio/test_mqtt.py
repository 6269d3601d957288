"""The box in the smart home: the real binary against a real mosquitto broker (Debian's), with
paho-mqtt (PyPI's) as Home Assistant's side and python-socketio as a phone's."""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from mosquitto import HomeSide, Mosquitto

BASE = "musicbox/test"
TAG = "04a1b2c3d4e5f6"
PIN = "2468"


def mqtt_env(broker, **extra):
    env = {"MUSICBOXD_MQTT_ENABLED": "on", "MUSICBOXD_MQTT_HOST": "127.0.0.1", "MUSICBOXD_MQTT_PORT": str(broker.port),
           "MUSICBOXD_MQTT_BASE_TOPIC": BASE}
    env.update({f"MUSICBOXD_MQTT_{key.upper()}": value for key, value in extra.items()})
    return env


def results(home):
    return [json.loads(payload) for _, topic, payload, _ in home.messages if topic == f"{BASE}/cmd/result"]


def command(home, name, payload=""):
    before = len(results(home))
    home.send(f"{BASE}/cmd/{name}", payload)
    assert home.wait(lambda h: len(results(h)) > before), f"no answer to {name}"
    return results(home)[before]


def health(daemon):
    return requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]


def test_state_goes_out_commands_come_in_and_every_tap_is_told():
    broker = Mosquitto().start()
    daemon = Daemon(env_extra=mqtt_env(broker))
    home = None
    try:
        songs = daemon.seed_playlist("Bedtime Songs", [60_000, 60_000])
        requests.post(f"{daemon.url}/api/nfc/associate", json={"tag_id": TAG, "playlist_id": songs}, timeout=5).raise_for_status()
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online"), home.last
        names = ("availability", "state", "volume", "max_volume", "muted", "sleep_timer", "quiet_hours", "player")
        assert home.wait(lambda h: all(f"{BASE}/{name}" in h.last for name in names)), home.last
        assert home.last[f"{BASE}/state"] == "stopped"
        retained = {topic for _, topic, _, retain in home.messages if retain}
        for name in names:
            assert f"{BASE}/{name}" in retained, (name, retained)
        # Nothing plays: no title (an empty retained message is none).
        assert f"{BASE}/title" not in retained
        assert home.wait(lambda h: h.last.get(f"{BASE}/health") in ("healthy", "degraded"), timeout=15), home.last

        phone = Recorder(daemon.url, ["websocket"])
        phone.client.call("join:playlists", {}, timeout=5)
        players = lambda: [e["data"] for (e,) in phone.received("state:player")]
        # A command goes through the state manager like a phone's: the phone sees it too.
        assert command(home, "volume", "37") == {"command": "volume", "ok": True}
        assert wait_for(lambda: any(p["volume"] == 37 for p in players()), timeout=5)
        assert home.wait(lambda h: h.last.get(f"{BASE}/volume") == "37")
        assert command(home, "volume_step", "-5")["ok"]
        assert home.wait(lambda h: h.last.get(f"{BASE}/volume") == "32")
        assert command(home, "playlist", "bedtime songs")["ok"]  # by title, letter case aside
        assert home.wait(lambda h: h.last.get(f"{BASE}/state") == "playing" and h.last.get(f"{BASE}/playlist") == "Bedtime Songs")
        assert home.last[f"{BASE}/playlist_id"] == songs
        assert home.wait(lambda h: h.last.get(f"{BASE}/title") == "Bedtime Songs 1")
        assert wait_for(lambda: any(p["state"] == "playing" for p in players()), timeout=5)
        assert home.wait(lambda h: int(h.last.get(f"{BASE}/position", "0")) >= 2, timeout=6)
        positions = [(t, p) for t, topic, p, _ in home.messages if topic == f"{BASE}/position"]
        spacing = [b[0] - a[0] for a, b in zip(positions, positions[1:])]
        assert all(gap > 0.8 for gap in spacing), spacing  # at most once a second
        assert command(home, "sleep", "20")["ok"]
        assert home.wait(lambda h: h.last.get(f"{BASE}/sleep_timer") == "20")
        assert command(home, "pause")["ok"]
        assert home.wait(lambda h: h.last.get(f"{BASE}/state") == "paused")
        assert wait_for(lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "paused", timeout=5)

        # Bad commands: a clear answer, nothing changes.
        for name, payload, code in (("volume", "loud", "validation_error"), ("playlist", "No Such List", "not_found"),
                                    ("tag", "zz", "validation_error"), ("reboot", "", "not_found")):
            answer = command(home, name, payload)
            assert answer["ok"] is False and answer["error_type"] == code and answer["message"], answer
        assert requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "paused"

        # Taps: the tag command plays as if placed; the reader's taps and lifts are told.
        assert command(home, "tag", TAG)["ok"]
        assert home.wait(lambda h: h.last.get(f"{BASE}/state") == "playing")
        taps = lambda: [json.loads(p) for _, topic, p, _ in home.messages if topic == f"{BASE}/tag"]
        assert home.wait(lambda h: any(t["tag_id"] == TAG and t["present"] for t in taps()))
        unknown = "04ffffffffffff"
        requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": unknown}, timeout=5).raise_for_status()
        assert home.wait(lambda h: any(t["tag_id"] == unknown and t["action"] == "unknown" for t in taps()))
        requests.post(f"{daemon.url}/api/dev/nfc/remove", json={}, timeout=5).raise_for_status()
        assert home.wait(lambda h: any(t["tag_id"] == unknown and not t["present"] for t in taps()))
        assert all(not retain for _, topic, _, retain in home.messages if topic == f"{BASE}/tag")

        # A PIN and playback_requires_token: a broker that is not trusted is refused as an
        # HTTP client without a token would be.
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN, "label": "test"}, timeout=5).json()["data"]["token"]
        requests.patch(f"{daemon.url}/api/settings", json={"playback_requires_token": True},
                       headers={"Authorization": f"Bearer {token}"}, timeout=5).raise_for_status()
        refused = command(home, "pause")
        assert refused["ok"] is False and refused["error_type"] == "unauthorized", refused
        assert requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["state"] == "playing"
        phone.close()

        # A clean stop says offline (retained).
        daemon.stop()
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "offline"), home.last
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


def test_a_trusted_broker_may_play_when_playback_needs_a_token():
    broker = Mosquitto().start()
    daemon = Daemon(env_extra=mqtt_env(broker, trusted="on"))
    home = None
    try:
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN, "label": "test"}, timeout=5).json()["data"]["token"]
        requests.patch(f"{daemon.url}/api/settings", json={"playback_requires_token": True},
                       headers={"Authorization": f"Bearer {token}"}, timeout=5).raise_for_status()
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online")
        assert command(home, "volume", "44")["ok"]
        assert requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]["volume"] == 44
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


def test_the_box_reconnects_when_the_broker_comes_back_and_publishes_its_state_again():
    broker = Mosquitto().start()
    daemon = Daemon(env_extra=mqtt_env(broker))
    home = None
    try:
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online")
        home.close()
        home = None
        # The broker dies (it keeps nothing: persistence off) and comes back on the same port.
        broker.kill()
        assert wait_for(lambda: health(daemon)["components"].get("mqtt") == "unavailable", timeout=10), health(daemon)
        assert "MQTT broker" in health(daemon)["problems"]["mqtt"]
        assert health(daemon)["status"] == "healthy"  # an extra: music plays without it
        time.sleep(1)
        broker.start()
        assert wait_for(lambda: health(daemon)["components"].get("mqtt") == "available", timeout=70), health(daemon)
        # A newcomer finds the retained state and discovery the box published again.
        home = HomeSide(broker.port, topics=(f"{BASE}/#", "homeassistant/#"))
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online" and h.last.get(f"{BASE}/state") == "stopped"), home.last
        assert home.wait(lambda h: len(discovery(h)) == 13), sorted(discovery(home))
        assert command(home, "volume", "21")["ok"]
        # The box dies (kill -9): the broker says its last will, every entity goes unavailable.
        daemon.proc.kill()
        daemon.proc.wait()
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "offline", timeout=90), home.last
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


def test_wrong_credentials_are_a_health_problem_and_right_ones_connect():
    broker = Mosquitto(users={"box": "right-password"}).start()
    daemon = Daemon(env_extra=mqtt_env(broker, username="box", password="wrong-password"))
    try:
        assert wait_for(lambda: "not authorised" in (health(daemon)["problems"].get("mqtt") or "").lower(), timeout=10), health(daemon)
        assert health(daemon)["status"] == "healthy"
        log = requests.get(f"{daemon.url}/api/system/logs", timeout=5)
        assert "wrong-password" not in log.text
        settings = requests.get(f"{daemon.url}/api/settings", timeout=5)
        assert "wrong-password" not in settings.text
        daemon.stop()
        daemon = Daemon(env_extra=mqtt_env(broker, username="box", password="right-password"))
        assert wait_for(lambda: health(daemon)["components"].get("mqtt") == "available", timeout=10), health(daemon)
    finally:
        daemon.stop()
        broker.close()


def test_tls_to_a_broker_with_a_test_ca():
    from test_streams import certificate
    work = tempfile.mkdtemp(prefix="musicboxd-mqtt-tls-")
    os.chmod(work, 0o755)  # the broker reads its certificate as user mosquitto
    ca, cert, key = certificate(work, "broker", "DNS:localhost,IP:127.0.0.1")
    broker = Mosquitto(tls=(ca, cert, key)).start()
    tls = {"MUSICBOXD_MQTT_PORT": str(broker.tls_port), "MUSICBOXD_MQTT_HOST": "localhost"}
    daemon = Daemon(env_extra={**mqtt_env(broker, ca_file=ca), **tls})
    home = None
    try:
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online"), health(daemon)
        daemon.stop()
        # Another CA: the broker's certificate does not check out, the box does not connect.
        other = os.path.join(work, "other")
        os.makedirs(other)
        other_ca = certificate(other, "x", "DNS:localhost")[0]
        daemon = Daemon(env_extra={**mqtt_env(broker, ca_file=other_ca), **tls})
        assert wait_for(lambda: health(daemon)["components"].get("mqtt") == "unavailable" and "MQTT" in health(daemon)["problems"]["mqtt"],
                        timeout=10), health(daemon)
        time.sleep(2)
        assert health(daemon)["components"]["mqtt"] == "unavailable"
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


# What Home Assistant's MQTT integration requires of each component's config (its docs: the
# topics without which the entity does nothing, besides unique_id, device and availability).
REQUIRED = {
    "sensor": ["state_topic"],
    "binary_sensor": ["state_topic", "payload_on", "payload_off"],
    "number": ["command_topic", "state_topic", "min", "max"],
    "button": ["command_topic"],
    "select": ["command_topic", "state_topic", "options"],
    "tag": ["topic"],
}


def discovery(home, prefix="homeassistant"):
    return {topic: payload for topic, payload in home.last.items() if topic.startswith(prefix + "/") and topic.endswith("/config")}


def test_home_assistant_discovery_announces_every_entity_and_its_commands_work():
    broker = Mosquitto().start()
    daemon = Daemon(env_extra=mqtt_env(broker))
    home = None
    try:
        daemon.seed_playlist("Bedtime Songs", [60_000])
        home = HomeSide(broker.port, topics=(f"{BASE}/#", "homeassistant/#"))
        select_options = lambda h: [json.loads(p)["options"] for t, p in discovery(h).items() if "/select/" in t and p]
        assert home.wait(lambda h: len(discovery(h)) == 13 and select_options(h) == [["Bedtime Songs"]]), sorted(discovery(home))
        components = {}
        for topic, payload in discovery(home).items():
            prefix, component, node, object_id, _ = topic.split("/")
            config = json.loads(payload)
            components.setdefault(component, []).append(object_id)
            for field in REQUIRED[component]:
                assert field in config, (topic, field)
            assert config["device"]["identifiers"] and config["device"]["name"] == "Music Box", config
            if component == "tag":
                assert config["topic"] == f"{BASE}/tag/scanned"
                continue
            assert config["unique_id"].startswith(node) and config["availability_topic"] == f"{BASE}/availability", config
            for key in ("state_topic", "command_topic"):
                if key in config:
                    assert config[key].startswith(BASE + "/"), config
        assert sorted(components) == ["binary_sensor", "button", "number", "select", "sensor", "tag"]
        assert sorted(components["button"]) == ["next", "pause", "play", "previous"]
        select = json.loads(next(p for t, p in discovery(home).items() if "/select/" in t))
        assert select["options"] == ["Bedtime Songs"]

        # Home Assistant's side: the select plays a playlist, the buttons press (payload PRESS).
        home.send(select["command_topic"], "Bedtime Songs")
        assert home.wait(lambda h: h.last.get(f"{BASE}/state") == "playing"), home.last
        pause = json.loads(next(p for t, p in discovery(home).items() if t.endswith("/pause/config")))
        home.send(pause["command_topic"], "PRESS")
        assert home.wait(lambda h: h.last.get(f"{BASE}/state") == "paused")
        volume = json.loads(next(p for t, p in discovery(home).items() if t.endswith("/volume/config")))
        home.send(volume["command_topic"], "55")
        assert home.wait(lambda h: h.last.get(volume["state_topic"]) == "55")

        # A new playlist: the select's options follow.
        requests.post(f"{daemon.url}/api/playlists", json={"title": "Morning"}, timeout=5).raise_for_status()
        assert home.wait(lambda h: select_options(h) == [["Bedtime Songs", "Morning"]]), select_options(home)

        # Named by the family: Home Assistant's device takes the box's name, on the same connection.
        requests.patch(f"{daemon.url}/api/settings", json={"box_name": "Mia’s box"}, timeout=5).raise_for_status()
        names = lambda h: {json.loads(p)["device"]["name"] for p in discovery(h).values() if p}
        assert home.wait(lambda h: names(h) == {"Mia’s box"}), names(home)

        # A tap: the scanner gets the tag's id; a lift sends nothing there.
        requests.post(f"{daemon.url}/api/dev/nfc/place", json={"tag_id": TAG}, timeout=5).raise_for_status()
        assert home.wait(lambda h: h.last.get(f"{BASE}/tag/scanned") == TAG)
        scans = lambda: [p for _, t, p, _ in home.messages if t == f"{BASE}/tag/scanned"]
        requests.post(f"{daemon.url}/api/dev/nfc/remove", json={}, timeout=5).raise_for_status()
        time.sleep(0.5)
        assert scans() == [TAG]

        # Discovery off: the configs are cleared (the box leaves Home Assistant).
        daemon.stop()
        daemon = Daemon(env_extra=mqtt_env(broker, discovery="off"), data=daemon.data)
        assert home.wait(lambda h: all(payload == "" for payload in discovery(h).values()), timeout=10), discovery(home)
        fresh = HomeSide(broker.port, topics=("homeassistant/#",))
        time.sleep(1)
        assert discovery(fresh) == {}, discovery(fresh)
        fresh.close()
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


HA_PYTHON = os.environ.get("MUSICBOXD_HA_PYTHON") or os.path.join(os.path.dirname(__file__), "..", "..", ".venv-ha", "bin", "python")


@pytest.mark.skipif(not os.path.exists(HA_PYTHON), reason="Home Assistant's package is not installed (make ha-venv)")
def test_home_assistants_own_schemas_accept_every_discovery_config():
    """Every config the box publishes, through the DISCOVERY_SCHEMA of its platform in Home
    Assistant's own code (`homeassistant` from PyPI), with discovery as it stands at start and
    after a playlist is added (the select's options)."""
    broker = Mosquitto().start()
    daemon = Daemon(env_extra=mqtt_env(broker))
    home = None
    try:
        daemon.seed_playlist("Bedtime Songs", [60_000])
        daemon.seed_playlist("Morning \"Sunshine\" Mix", [60_000])
        home = HomeSide(broker.port, topics=("homeassistant/#",))
        assert home.wait(lambda h: len(discovery(h)) == 13), sorted(discovery(home))
        checked = subprocess.run([HA_PYTHON, os.path.join(os.path.dirname(__file__), "ha_discovery_check.py")],
                                 input=json.dumps(discovery(home)), capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stderr[-3000:]
        answers = json.loads(checked.stdout)
        assert len(answers) == 13 and all(answer == "ok" for answer in answers.values()), answers
        # The checker itself refuses what Home Assistant would: a wildcard command topic.
        broken = {"homeassistant/button/x/play/config": json.dumps({"command_topic": "a/#", "unique_id": "x"})}
        checked = subprocess.run([HA_PYTHON, os.path.join(os.path.dirname(__file__), "ha_discovery_check.py")],
                                 input=json.dumps(broken), capture_output=True, text=True, timeout=120)
        assert "Wildcards" in json.loads(checked.stdout)["homeassistant/button/x/play/config"], checked.stdout
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()


def test_a_tap_on_the_real_reader_reaches_home_assistants_tag_scanner():
    """libnfc's pn532_uart driver reading the emulated PN532 (as test_daemon_nfc.py): a placed
    tag's id reaches `tag/scanned`, and its lift reaches `tag`."""
    from pn532_emulator import PN532Emulator
    work = tempfile.mkdtemp(prefix="musicboxd-mqtt-nfc-")
    reader = PN532Emulator(os.path.join(work, "pn532"))
    broker = Mosquitto().start()
    env = {"MUSICBOXD_NFC_DEVICE": f"pn532_uart:{reader.path}", "MUSICBOXD_NFC_REMOVAL_GRACE_MS": "300", "LIBNFC_AUTO_SCAN": "false",
           "MUSICBOXD_AUDIO_DEVICE": f"file:FILE={os.path.join(work, 'out.raw')},FORMAT=raw", "HOME": work, "XDG_RUNTIME_DIR": work}
    daemon = Daemon(hardware="real", env_extra={**mqtt_env(broker), **env})
    home = None
    try:
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        assert wait_for(lambda: health(daemon)["components"]["nfc"] == "available", timeout=10), health(daemon)
        reader.place(TAG)
        assert home.wait(lambda h: h.last.get(f"{BASE}/tag/scanned") == TAG, timeout=10), home.last
        reader.remove()
        taps = lambda h: [json.loads(p) for _, t, p, _ in h.messages if t == f"{BASE}/tag"]
        assert home.wait(lambda h: [t["present"] for t in taps(h)] == [True, False], timeout=10), taps(home)
        assert taps(home)[0]["action"] == "unknown"
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()
        reader.close()


def test_a_broken_mqtt_setting_is_a_health_problem_not_a_dead_box():
    daemon = Daemon(env_extra={"MUSICBOXD_MQTT_ENABLED": "on", "MUSICBOXD_MQTT_PORT": "1", "MUSICBOXD_MQTT_CA_FILE": "/nonexistent/ca.pem"})
    try:
        assert wait_for(lambda: "TLS" in (health(daemon)["problems"].get("mqtt") or ""), timeout=10), health(daemon)
        time.sleep(1)
        assert daemon.proc.poll() is None
        assert health(daemon)["status"] == "healthy"
    finally:
        daemon.stop()


def parent_patch(daemon, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.patch(f"{daemon.url}/api/settings/mqtt", json=body, headers=headers, timeout=5)


def mqtt_settings(daemon, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = requests.get(f"{daemon.url}/api/settings/mqtt", headers=headers, timeout=5)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


def test_parents_set_the_broker_from_the_api_and_every_change_applies_at_once():
    """MQTT off in the config file; a parent turns it on through /api/settings/mqtt (as the web
    UI does), with a login: the box connects at once. The password is written, never read back
    nor logged. A new base topic moves the retained state (the old one is cleared); discovery
    off clears the configs on the running connection; off says offline and leaves the health."""
    broker = Mosquitto(users={"box": "s3cret-pass", "home": "home-pass"}).start()
    data = tempfile.mkdtemp(prefix="musicboxd-mqtt-settings-")
    daemon = Daemon(data=data)
    home = None
    try:
        first = mqtt_settings(daemon)
        assert first["enabled"] is False and first["status"] == "off" and first["password_set"] is False, first
        assert first["base_topic"].startswith("musicbox/") and first["discovery_prefix"] == "homeassistant"
        assert "mqtt" not in health(daemon)["components"]

        # A PIN: the broker's settings are for parents alone, to read as to change.
        assert requests.post(f"{daemon.url}/api/auth/pin", json={"pin": PIN}, timeout=5).status_code == 200
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": PIN, "label": "test"}, timeout=5).json()["data"]["token"]
        assert requests.get(f"{daemon.url}/api/settings/mqtt", timeout=5).status_code == 401
        assert parent_patch(daemon, {"enabled": True}).status_code == 401

        home = HomeSide(broker.port, topics=(f"{BASE}/#", "other/box/#", "homeassistant/#"), username="home", password="home-pass")
        reply = parent_patch(daemon, {"enabled": True, "host": "127.0.0.1", "port": broker.port, "username": "box",
                                      "password": "s3cret-pass", "base_topic": BASE}, token)
        assert reply.status_code == 200, reply.text
        assert "s3cret-pass" not in reply.text and reply.json()["data"]["password_set"] is True
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online" and len(discovery(h)) == 13), home.last
        assert wait_for(lambda: mqtt_settings(daemon, token)["status"] == "connected", timeout=5), mqtt_settings(daemon, token)
        assert health(daemon)["components"]["mqtt"] == "available"
        shown = requests.get(f"{daemon.url}/api/settings/mqtt", headers={"Authorization": f"Bearer {token}"}, timeout=5).text
        assert "s3cret-pass" not in shown and "s3cret-pass" not in requests.get(f"{daemon.url}/api/settings", timeout=5).text
        logs = requests.get(f"{daemon.url}/api/system/logs", headers={"Authorization": f"Bearer {token}"}, timeout=5).text
        assert "s3cret-pass" not in logs
        assert command(home, "volume", "33")["ok"]

        # Bad values: a clear error naming the field, nothing changes.
        for body, field in (({"base_topic": "a/#"}, "base_topic"), ({"base_topic": "$SYS/x"}, "base_topic"), ({"port": 0}, "port"),
                            ({"host": "bad host"}, "host"), ({"client_id": "x" * 65}, "client_id"), ({}, "body")):
            reply = parent_patch(daemon, body, token)
            assert reply.status_code == 400 and reply.json()["error_type"] == "validation_error", (body, reply.text)
            assert reply.json()["details"]["field"] == field, reply.json()
        assert mqtt_settings(daemon, token)["base_topic"] == BASE

        # A new base topic: the box moves there, and what it left retained under the old one is cleared.
        assert parent_patch(daemon, {"base_topic": "other/box"}, token).status_code == 200
        assert home.wait(lambda h: h.last.get("other/box/availability") == "online" and h.last.get("other/box/volume") == "33"), home.last
        assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "" and h.last.get(f"{BASE}/volume") == ""), home.last
        select = lambda h: json.loads(next(p for t, p in discovery(h).items() if "/select/" in t) or "{}")
        assert home.wait(lambda h: select(h).get("command_topic", "").startswith("other/box/")), select(home)
        late = HomeSide(broker.port, topics=(f"{BASE}/#",), username="home", password="home-pass")
        time.sleep(1)
        assert late.last == {}, late.last  # nothing stale stays under the old base topic
        late.close()

        # Discovery off: the configs are cleared, the connection stays.
        connects = len([m for m in home.messages if m[1] == "other/box/availability" and m[2] == "online"])
        assert parent_patch(daemon, {"discovery": False}, token).status_code == 200
        assert home.wait(lambda h: all(payload == "" for payload in discovery(h).values())), discovery(home)
        time.sleep(0.5)
        assert len([m for m in home.messages if m[1] == "other/box/availability" and m[2] == "online"]) == connects

        # A wrong password: a health problem with the reason; the right one again connects.
        assert parent_patch(daemon, {"password": "wrong"}, token).status_code == 200
        assert wait_for(lambda: "not authorised" in (mqtt_settings(daemon, token).get("problem") or "").lower(), timeout=10), \
            mqtt_settings(daemon, token)
        assert health(daemon)["status"] == "healthy"
        assert parent_patch(daemon, {"password": "s3cret-pass"}, token).status_code == 200
        assert wait_for(lambda: mqtt_settings(daemon, token)["status"] == "connected", timeout=10), mqtt_settings(daemon, token)

        # The settings outlive a restart (the config file still says off).
        daemon.stop()
        daemon = Daemon(data=data)
        assert wait_for(lambda: health(daemon)["components"].get("mqtt") == "available", timeout=10), health(daemon)
        assert mqtt_settings(daemon, token)["base_topic"] == "other/box"

        # Off: offline (retained), and MQTT leaves the health report.
        assert parent_patch(daemon, {"enabled": False}, token).status_code == 200
        assert home.wait(lambda h: h.last.get("other/box/availability") == "offline"), home.last
        assert wait_for(lambda: "mqtt" not in health(daemon)["components"], timeout=5), health(daemon)
        assert mqtt_settings(daemon, token)["status"] == "off"
    finally:
        if home:
            home.close()
        daemon.stop()
        broker.close()
        shutil.rmtree(data, ignore_errors=True)


def test_tls_without_a_ca_file_checks_the_broker_against_the_systems_authorities():
    """TLS switched on from the API with no CA file in the config: the broker's certificate
    (from a test CA the system does not know) is refused, so the box does not connect; the
    config file's CA file then makes the same switch connect."""
    from test_streams import certificate
    work = tempfile.mkdtemp(prefix="musicboxd-mqtt-tls-")
    os.chmod(work, 0o755)
    ca, cert, key = certificate(work, "broker", "DNS:localhost,IP:127.0.0.1")
    broker = Mosquitto(tls=(ca, cert, key)).start()
    data = os.path.join(work, "data")
    daemon = Daemon(data=data)
    try:
        body = {"enabled": True, "host": "localhost", "port": broker.tls_port, "tls": True, "base_topic": BASE}
        assert parent_patch(daemon, body).status_code == 200
        assert wait_for(lambda: mqtt_settings(daemon)["status"] == "not_connected" and mqtt_settings(daemon)["problem"], timeout=10), \
            mqtt_settings(daemon)
        time.sleep(2)
        refused = mqtt_settings(daemon)
        # Refused by the connection (the certificate), not a TLS setup that could not start.
        assert refused["status"] == "not_connected" and refused["problem"].startswith("MQTT broker:"), refused
        assert "certificate is not trusted" in refused["problem"], refused
        daemon.stop()
        daemon = Daemon(data=data, env_extra={"MUSICBOXD_MQTT_CA_FILE": ca})
        home = HomeSide(broker.port, topics=(f"{BASE}/#",))
        try:
            assert home.wait(lambda h: h.last.get(f"{BASE}/availability") == "online"), mqtt_settings(daemon)
            assert mqtt_settings(daemon)["ca_file"] == ca and mqtt_settings(daemon)["tls"] is True
        finally:
            home.close()
    finally:
        daemon.stop()
        broker.close()
