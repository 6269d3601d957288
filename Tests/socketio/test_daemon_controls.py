"""The real daemon's libgpiod code, driven by a fake libgpiod.so.2 (fake_gpiod.c, preloaded):
this kernel has no GPIO, so scripted edges come in through a FIFO the fake reads. With a build on
libgpiod 2 (trixie) the v2 twin, fake_gpiod_v2.c, stands in instead."""
import os
import statistics
import subprocess
import tempfile
import time

import pytest
import requests

from daemon import Daemon
from helpers import Recorder, wait_for
from paced_audio import paced_audio  # noqa: F401 (fixture)
from test_daemon_audio import tone

HERE = os.path.dirname(os.path.abspath(__file__))
PLAY, NEXT, VOLUME_UP, ENC_A, ENC_B = 17, 27, 23, 5, 6


def gpiod_api():
    """1 or 2: the libgpiod API the daemon under test was built with (`musicboxd libraries`)."""
    line = next(l for l in linked_libraries() if l.startswith("libgpiod "))
    return 2 if "(v2 API)" in line else 1


def linked_libraries():
    binary = Daemon.binary_path()
    return subprocess.run([binary, "libraries"], check=True, capture_output=True, text=True).stdout.splitlines()


@pytest.fixture(scope="module")
def fake_gpiod():
    # The fake of the API the binary calls: fake_gpiod.c (v1, bookworm) or fake_gpiod_v2.c (v2, trixie).
    source = "fake_gpiod_v2.c" if gpiod_api() == 2 else "fake_gpiod.c"
    print(f"buttons through {source} against {linked_libraries()[0]}")
    out = os.path.join(tempfile.mkdtemp(prefix="musicboxd-gpiod-"), "libgpiod-fake.so")
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wall", "-Werror", "-o", out, os.path.join(HERE, source), "-lpthread"],
                   check=True)
    return out


class Board:
    """The FIFO the fake reads edges from: press/release a button, turn the encoder."""

    def __init__(self, work):
        self.path = os.path.join(work, "gpio-control")
        os.mkfifo(self.path)
        self.log = os.path.join(work, "gpio-requests.log")
        self.pipe = None

    def edge(self, line, rising):
        if self.pipe is None:
            self.pipe = open(self.path, "w")  # waits for the daemon's fake to open it
        self.pipe.write(f"{line} {'rising' if rising else 'falling'}\n")
        self.pipe.flush()

    def press(self, line, hold=0.05):
        self.edge(line, False)   # active low: pressed pulls the line to ground
        time.sleep(hold)
        self.edge(line, True)

    def turn_clockwise(self):
        for line, level in ((ENC_B, False), (ENC_A, False), (ENC_B, True), (ENC_A, True)):
            self.edge(line, level)


def start(fake_gpiod, board, audio_env, chip="gpiochip0"):
    env = {"LD_PRELOAD": fake_gpiod, "FAKE_GPIOD_CONTROL": board.path, "FAKE_GPIOD_LOG": board.log,
           "FAKE_GPIOD_CHIP": chip,
           "MUSICBOXD_CONTROLS_PLAY_PAUSE_PIN": str(PLAY), "MUSICBOXD_CONTROLS_NEXT_PIN": str(NEXT),
           "MUSICBOXD_CONTROLS_VOLUME_UP_PIN": str(VOLUME_UP), "MUSICBOXD_CONTROLS_ENCODER_A_PIN": str(ENC_A),
           "MUSICBOXD_CONTROLS_ENCODER_B_PIN": str(ENC_B), "MUSICBOXD_NFC_DEVICE": "pn532_uart:/nonexistent",
           **audio_env}
    return Daemon(hardware="real", env_extra=env)


def gpio(daemon):
    return requests.get(f"{daemon.url}/api/health", timeout=5).json()["data"]


def test_buttons_and_encoder_drive_the_player(fake_gpiod, paced_audio):
    board = Board(paced_audio.dir)
    songs = [tone(os.path.join(paced_audio.dir, f"{n}.flac"), f, 30) for n, f in (("a", 440), ("b", 660))]
    daemon = start(fake_gpiod, board, {"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env})
    try:
        playlist = daemon.seed_playlist("Songs", [30_000, 30_000], files=songs)
        assert wait_for(lambda: gpio(daemon)["components"]["gpio"] == "available", timeout=10), gpio(daemon)
        # Every configured line was requested with both edges and the pull-up bias.
        requested = open(board.log).read().split("\n")
        for line in (PLAY, NEXT, VOLUME_UP, ENC_A, ENC_B):
            assert f"request {line} pull-up" in requested, requested

        client = Recorder(daemon.url, ["websocket"])
        client.client.call("join:playlists", {}, timeout=5)
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        requests.post(f"{daemon.url}/api/player/volume", json={"volume": 50}, timeout=5).raise_for_status()
        players = lambda: [args[0]["data"] for args in client.received("state:player")]
        assert wait_for(lambda: players() and players()[-1]["state"] == "playing" and players()[-1]["volume"] == 50)

        # Play/pause: each press toggles. It has a long-press action (stop), so a short press acts
        # when it is released: measure that edge in -> state:player out at the client.
        latencies = []
        for presses in range(20):
            seen = len(players())
            expected = "paused" if presses % 2 == 0 else "playing"
            board.edge(PLAY, False)
            time.sleep(0.06)
            assert not any(p["state"] == expected for p in players()[seen:])
            released_at = time.monotonic()
            board.edge(PLAY, True)
            assert wait_for(lambda: any(p["state"] == expected for p in players()[seen:]), timeout=5, interval=0.001)
            latencies.append((time.monotonic() - released_at) * 1000)
            time.sleep(0.05)
        latencies.sort()
        print(f"button edge -> state:player at a python-socketio client, 20 presses: p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {latencies[18]:.1f} ms, max {latencies[-1]:.1f} ms")
        assert players()[-1]["state"] == "playing"
        # Held for a second: the long action, stop (and nothing on release).
        board.edge(PLAY, False)
        assert wait_for(lambda: players()[-1]["state"] == "stopped", timeout=3)
        board.edge(PLAY, True)
        time.sleep(0.2)
        assert players()[-1]["state"] == "stopped"
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()

        # Next.
        board.press(NEXT)
        assert wait_for(lambda: players()[-1]["track_index"] == 1, timeout=5)
        # A bouncing volume-up press is one step of 5.
        for level in (False, True, False, True, False):
            board.edge(VOLUME_UP, level)
        time.sleep(0.1)
        board.edge(VOLUME_UP, True)
        assert wait_for(lambda: players()[-1]["volume"] == 55, timeout=5)
        time.sleep(0.3)
        assert players()[-1]["volume"] == 55
        # Five detents clockwise on the encoder, fast: +25, none lost.
        for _ in range(5):
            board.turn_clockwise()
        assert wait_for(lambda: players()[-1]["volume"] == 80, timeout=5), [p["volume"] for p in players()][-6:]
        time.sleep(0.2)
        assert players()[-1]["volume"] == 80
        client.close()

        # Stopping wakes the input thread at once.
        started = time.time()
        daemon.terminate()
        assert time.time() - started < 2
    finally:
        daemon.stop()


def test_no_gpio_chip_is_unavailable_with_the_reason(fake_gpiod):
    work = tempfile.mkdtemp(prefix="musicboxd-gpio-")
    board = Board(work)
    daemon = start(fake_gpiod, board, {"MUSICBOXD_AUDIO_DEVICE": "null", "HOME": work, "XDG_RUNTIME_DIR": work},
                   chip="pinctrl-rp1")
    try:
        assert wait_for(lambda: gpio(daemon)["components"]["gpio"] == "unavailable", timeout=10)
        health = gpio(daemon)
        assert "no GPIO chip" in health["problems"]["gpio"] and "gpiochip0" in health["problems"]["gpio"]
        assert health["status"] == "degraded"
        # The rest of the box runs.
        assert requests.post(f"{daemon.url}/api/playlists", json={"title": "Still here"}, timeout=5).status_code in (200, 201)
    finally:
        daemon.stop()


def test_a_chip_named_by_its_label_is_found_under_dev(fake_gpiod):
    """A Pi 5's header is the chip labelled pinctrl-rp1, whatever its number: `controls.chip` may
    name the label. libgpiod v1 looked labels up itself; on v2 our CGPIOD code walks /dev/gpiochip*
    and asks each chip its label. That walk needs a /dev entry for the fake chip, so this runs
    where /dev is the test root's own folder (CI's trixie root), never on a machine's real /dev."""
    if gpiod_api() != 2:
        pytest.skip("libgpiod v1 looks labels up itself (and the v1 fake replaces that call)")
    if os.path.ismount("/dev") or not os.access("/dev", os.W_OK):
        pytest.skip("/dev is this machine's own: no fake chip entry is made there (runs in CI's trixie root)")
    entry = "/dev/gpiochip7"
    assert not os.path.exists(entry)
    open(entry, "w").close()
    work = tempfile.mkdtemp(prefix="musicboxd-gpio-")
    board = Board(work)
    # The only chip is gpiochip7, labelled pinctrl-bcm2711 by the fake; the box is told the label.
    daemon = start(fake_gpiod, board, {"MUSICBOXD_AUDIO_DEVICE": "null", "HOME": work, "XDG_RUNTIME_DIR": work,
                                       "MUSICBOXD_CONTROLS_CHIP": "pinctrl-bcm2711"}, chip="gpiochip7")
    try:
        assert wait_for(lambda: gpio(daemon)["components"]["gpio"] == "available", timeout=10), gpio(daemon)
        assert f"request {PLAY} pull-up" in open(board.log).read().split("\n")
        # A label no chip has is still "no GPIO chip", naming what was asked for.
        other = start(fake_gpiod, Board(tempfile.mkdtemp(prefix="musicboxd-gpio-")),
                      {"MUSICBOXD_AUDIO_DEVICE": "null", "HOME": work, "XDG_RUNTIME_DIR": work,
                       "MUSICBOXD_CONTROLS_CHIP": "pinctrl-rp1"}, chip="gpiochip7")
        try:
            assert wait_for(lambda: gpio(other)["components"]["gpio"] == "unavailable", timeout=10)
            assert "pinctrl-rp1" in gpio(other)["problems"]["gpio"]
        finally:
            other.stop()
    finally:
        daemon.stop()
        os.unlink(entry)


def test_simulated_buttons_take_presses_from_the_dev_endpoint():
    daemon = Daemon(hardware="sim")
    try:
        playlist = daemon.seed_playlist("Songs", [60_000, 60_000])
        requests.post(f"{daemon.url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert gpio(daemon)["components"]["gpio"] == "simulated"
        assert requests.post(f"{daemon.url}/api/dev/controls/press", json={"action": "next"}, timeout=5).status_code == 200
        status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
        assert wait_for(lambda: status()["track_index"] == 1)
        bad = requests.post(f"{daemon.url}/api/dev/controls/press", json={"action": "explode"}, timeout=5)
        assert bad.status_code == 400 and "play_pause" in bad.json()["message"]
    finally:
        daemon.stop()


@pytest.mark.parametrize("sample", sorted(f for f in os.listdir(os.path.join(HERE, "..", "..", "hardware")) if f.endswith(".toml")))
def test_sample_pin_maps_are_valid_configurations(sample):
    from conftest import ROOT
    binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
    checked = subprocess.run([binary, "config", "check", "--config", os.path.join(ROOT, "hardware", sample)],
                             capture_output=True, text=True, env=env)
    assert checked.returncode == 0, checked.stderr
    assert "controls.play_pause_pin" in checked.stdout or "controls.encoder_a_pin" in checked.stdout


def test_command_tags_on_the_real_reader_and_the_toddler_lock_on_the_real_buttons(fake_gpiod, paced_audio):
    """One daemon with libgpiod (the fake) and libnfc (the emulated PN532): a parent links command
    tags over HTTP; tapping the lock tag locks the buttons (presses change nothing), holding two
    buttons together for 3 s unlocks them; the sleep tag sets the timer; the stop tag stops."""
    from pn532_emulator import PN532Emulator
    work = tempfile.mkdtemp(prefix="musicboxd-command-tags-")
    reader = PN532Emulator(os.path.join(work, "pn532"))
    board = Board(work)
    audio = {"MUSICBOXD_AUDIO_DEVICE": "paced", **paced_audio.env}  # real time: a song lasts as long as it is
    daemon = start(fake_gpiod, board, {**audio, "MUSICBOXD_NFC_DEVICE": f"pn532_uart:{reader.path}", "LIBNFC_AUTO_SCAN": "false",
                                       "MUSICBOXD_NFC_REMOVAL_GRACE_MS": "300"})
    lock_tag, sleep_tag, stop_tag = "04c0ffee000001", "04c0ffee000002", "04c0ffee000003"
    status = lambda: requests.get(f"{daemon.url}/api/player/status", timeout=5).json()["data"]
    try:
        songs = [tone(os.path.join(work, f"{n}.flac"), f, 60) for n, f in (("a", 440), ("b", 660))]
        playlist = daemon.seed_playlist("Songs", [60_000, 60_000], files=songs)  # starts the daemon again: its port changes
        url = daemon.url
        assert wait_for(lambda: gpio(daemon)["components"]["gpio"] == "available" and gpio(daemon)["components"]["nfc"] == "available",
                        timeout=10), gpio(daemon)
        for tag, command in ((lock_tag, {"action": "toddler_lock"}), (sleep_tag, {"action": "sleep", "minutes": 20}),
                             (stop_tag, {"action": "stop"})):
            reply = requests.post(f"{url}/api/nfc/commands", json={"tag_id": tag, **command}, timeout=5)
            assert reply.status_code == 200, reply.text
        bad = requests.post(f"{url}/api/nfc/commands", json={"tag_id": stop_tag, "action": "sleep"}, timeout=5)
        assert bad.status_code == 400 and bad.json()["details"]["field"] == "minutes"
        listed = requests.get(f"{url}/api/nfc/commands", timeout=5).json()["data"]["commands"]
        assert [(c["tag_id"], c["action"], c["minutes"]) for c in listed] == [
            (lock_tag, "toddler_lock", None), (sleep_tag, "sleep", 20), (stop_tag, "stop", None)]
        requests.post(f"{url}/api/player/play", json={"playlist_id": playlist}, timeout=5).raise_for_status()
        assert wait_for(lambda: status()["state"] == "playing")

        # The lock tag: buttons locked; a press of next changes nothing.
        reader.place(lock_tag)
        assert wait_for(lambda: status()["toddler_lock"] is True, timeout=10), status()
        reader.remove()
        board.press(NEXT)
        time.sleep(0.5)
        assert status()["track_index"] == 0 and status()["state"] == "playing"
        board.press(PLAY)
        time.sleep(0.5)
        assert status()["state"] == "playing"
        # Two buttons held together for 3 s: unlocked; next works again.
        board.edge(PLAY, False)
        board.edge(NEXT, False)
        time.sleep(3.4)
        board.edge(PLAY, True)
        board.edge(NEXT, True)
        assert wait_for(lambda: status()["toddler_lock"] is False, timeout=5), status()
        board.press(NEXT)
        assert wait_for(lambda: status()["track_index"] == 1, timeout=5), status()

        # The sleep tag sets the timer; the stop tag stops; neither plays a playlist.
        reader.place(sleep_tag)
        assert wait_for(lambda: status()["sleep_timer_mode"] == "minutes", timeout=10), status()
        ends = status()["sleep_timer_ends_at"] / 1000 - time.time()
        assert 19 * 60 < ends <= 20 * 60, ends
        reader.remove()
        reader.place(stop_tag)
        assert wait_for(lambda: status()["state"] == "stopped", timeout=10), status()
        reader.remove()

        # Locked from the web UI's route: the same lock.
        requests.post(f"{url}/api/player/toddler_lock", json={"locked": True}, timeout=5).raise_for_status()
        board.press(PLAY)
        time.sleep(0.5)
        assert status()["state"] == "stopped"
        requests.post(f"{url}/api/player/toddler_lock", json={"locked": False}, timeout=5).raise_for_status()
        board.press(PLAY)
        assert wait_for(lambda: status()["state"] == "playing", timeout=5), status()
    finally:
        daemon.stop()
        reader.close()
