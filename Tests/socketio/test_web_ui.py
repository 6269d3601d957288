"""The web UI (Sources/WebUI/site) in headless Chromium from Debian, driven by Selenium, against
the real daemon with simulated hardware. Screenshots of each screen at phone and laptop size go to
.build/screenshots/ (not committed) for a person to look at."""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from conftest import ROOT
from daemon import Daemon
from uploads import create_playlist, make_audio, make_cover, upload

SITE = os.path.join(ROOT, "Sources", "WebUI", "site")
SHOTS = os.path.join(ROOT, ".build", "screenshots")
PHONE, LAPTOP = (360, 740), (1280, 800)


@pytest.fixture(scope="module")
def daemon():
    box = Daemon(feedback_sounds=True)
    yield box
    box.stop()


@pytest.fixture(scope="module")
def media():
    folder = tempfile.mkdtemp(prefix="webui-media-")
    cover = make_cover(folder, "teal")
    files = {
        "lullaby": make_audio(folder, "01 Lullaby", "mp3", 30, {"title": "Lullaby", "artist": "Grandma"}, cover, 330),
        "march": make_audio(folder, "02 March", "ogg", 25, {"title": "Little March", "artist": "Band"}, None, 520),
        "rain": make_audio(folder, "Rain Song", "flac", 7, {"title": "Rain Song"}, cover, 440),
        "wind": make_audio(folder, "Wind Song", "wav", 4, {"title": "Wind Song"}, None, 600),
    }
    yield files
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def library(daemon, media):
    """Two playlists with real, playable uploads."""
    songs = create_playlist(daemon, "Bedtime Songs")
    upload(daemon, songs, media["lullaby"])
    upload(daemon, songs, media["march"])
    create_playlist(daemon, "Car Trip")
    return {"songs": songs}


class Browser:
    def __init__(self, size=PHONE, language="en-US", scheme="dark"):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
        if not chromium or not driver_path:
            pytest.fail("chromium and chromium-driver (Debian) are needed: `make deps` installs them")
        self.profile = tempfile.mkdtemp(prefix="webui-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         f"--user-data-dir={self.profile}", f"--blink-settings=preferredColorScheme={0 if scheme == 'dark' else 1}",
                         f"--lang={language}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        os.environ["SE_OFFLINE"] = "true"  # never let Selenium fetch a driver
        self.driver = webdriver.Chrome(service=Service(driver_path), options=options)
        self.resize(size)

    def resize(self, size):
        # The window's outer size; make the viewport itself the requested size.
        self.driver.set_window_size(*size)
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.driver.set_window_size(size[0] * 2 - inner[0], size[1] * 2 - inner[1])

    def open(self, url, parent=False, guide=True):
        self.driver.get(url + "/#/now")
        self.driver.execute_script(f"localStorage.setItem('musicbox.parent', '{'1' if parent else '0'}')")
        if not guide:  # as a family that skipped the first steps
            self.driver.execute_script("localStorage.setItem('musicbox.first_run_skipped', '1')")
        self.driver.refresh()
        assert self.js("return document.getElementById('parent-toggle').getAttribute('aria-pressed')") == str(parent).lower()
        self.until(lambda d: d.execute_script("return document.getElementById('connection').dataset.state") == "connected")

    def go(self, route):
        self.driver.execute_script("location.hash = arguments[0]", route)

    def unfold(self):
        """Opens every folded group of Settings (as a parent taps their headings), once it is drawn."""
        self.until(lambda d: self.all("#settings-form details.group"))
        self.js("document.querySelectorAll('#view details.group').forEach((group) => { group.open = true; })")

    def until(self, condition, timeout=15):
        from selenium.webdriver.support.ui import WebDriverWait
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)

    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def texts(self, selector):
        """The texts of every match, read in one go (a list being re-rendered leaves no stale handles)."""
        return self.js("return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)", selector)

    def text(self, selector):
        return self.js("return document.querySelector(arguments[0])?.innerText ?? ''", selector)

    def press(self, scope, label):
        """Clicks the button labelled `label` inside the element `scope` selects (read fresh)."""
        clicked = self.js("""const button = [...(document.querySelector(arguments[0])?.querySelectorAll('button') ?? [])]
              .find(b => b.textContent.trim() === arguments[1]);
            if (button) button.click(); return Boolean(button);""", scope, label)
        assert clicked, f"no button {label!r} in {scope}"

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def errors(self):
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                and "/cover" not in entry["message"]]  # a track without a cover answers 404 by design

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        self.js("window.scrollTo(0, 0)")
        width, height = self.js("return [window.innerWidth, window.innerHeight]")
        self.driver.save_screenshot(os.path.join(SHOTS, f"{name}-{width}x{height}.png"))

    def quit(self):
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser():
    opened = []

    def make(size=PHONE, language="en-US", scheme="dark"):
        opened.append(Browser(size, language, scheme))
        return opened[-1]

    yield make
    for each in opened:
        each.quit()


def api(daemon, method, path, **kwargs):
    reply = requests.request(method, f"{daemon.url}/api/{path}", timeout=10, **kwargs)
    assert reply.status_code < 300, reply.text
    return reply.json()["data"]


def player(daemon):
    return api(daemon, "GET", "player/status")


# --- Served by the box, nothing from outside ---------------------------------------------------

URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}|https?%3A%2F%2F""", re.IGNORECASE)
SVG_NAMESPACE = ("http://www.w3.org/2000/svg", "http%3A//www.w3.org/2000/svg")


def test_no_file_of_the_ui_names_an_outside_address():
    found = []
    for folder, _, names in os.walk(SITE):
        for name in names:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            for namespace in SVG_NAMESPACE:  # an XML namespace name, never fetched
                text = text.replace(namespace, "")
            found += [(name, match.group(0)) for match in URL.finditer(text)]
    assert found == []
    # And the test itself would see one.
    assert URL.search('<script src="https://cdn.example.com/x.js">')


def test_page_is_served_with_a_policy_that_keeps_it_on_the_box(daemon):
    page = requests.get(f"{daemon.url}/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    for asset in re.findall(r'(?:src|href)="([^"#]+)"', page.text):
        reply = requests.get(f"{daemon.url}/{asset}", timeout=5)
        assert reply.status_code == 200, asset
    script = requests.get(f"{daemon.url}/js/app.js", timeout=5)
    assert "javascript" in script.headers["Content-Type"]
    # The API keeps its JSON errors; paths outside the site are not files.
    assert requests.get(f"{daemon.url}/api/nope", timeout=5).json()["error_type"] == "not_found"
    assert requests.get(f"{daemon.url}/../musicbox.sqlite", timeout=5).status_code in (400, 404)


def test_page_loads_in_under_a_second_and_requests_only_the_box(daemon, library, browser):
    page = browser(LAPTOP)
    page.driver.get(daemon.url + "/#/playlists")  # cold: a fresh profile, nothing cached
    page.until(lambda d: d.execute_script("return document.querySelectorAll('#playlist-list .playlist-row').length") >= 2)
    load_ms = page.js("const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime")
    assert 0 < load_ms < 1000, load_ms
    print(f"page load (cold profile, loopback): {load_ms:.0f} ms")
    origins = page.js("return performance.getEntriesByType('resource').map(r => new URL(r.name).origin)")
    assert origins and set(origins) == {daemon.url}
    assert page.errors() == []


# --- Now playing --------------------------------------------------------------------------------

def test_play_a_playlist_and_the_seek_bar_moves(daemon, library, browser):
    page = browser()
    page.open(daemon.url)
    page.go("#/playlists")
    page.until(lambda d: page.all("#playlist-list .playlist-row"))
    row = [r for r in page.all("#playlist-list .playlist-row") if "Bedtime Songs" in r.text][0]
    assert "2 tracks" in row.text and "0:55" in row.text  # 30 s + 25 s
    row.find_element("css selector", "button").click()
    page.until(lambda d: d.execute_script("return location.hash") == "#/now")
    page.until(lambda d: page.text("#now-title") == "Lullaby")
    assert "Grandma" in page.text(".track-artist")
    page.until(lambda d: page.css("#play-toggle").get_attribute("aria-label") == "Pause")
    first = int(page.css("#seek").get_attribute("value"))
    time.sleep(1.2)
    second = int(page.css("#seek").get_attribute("value"))
    # 1.2 s of a 30 s track is 40 of 1000 steps; allow for the box's own pacing.
    assert 25 <= second - first <= 60, (first, second)
    assert page.text("#now-elapsed") != "0:00"
    # Smooth: the bar moves between the 200 ms ticks, not only on them.
    samples = page.driver.execute_async_script("""
        const done = arguments[arguments.length - 1]; const seen = [];
        const started = performance.now();
        (function sample() { seen.push(document.getElementById('seek').value);
          if (performance.now() - started < 400) requestAnimationFrame(sample); else done(seen); })();""")
    assert len(set(samples)) >= 4, samples
    page.shot("now-playing")
    page.resize(LAPTOP)
    page.shot("now-playing")
    # The sleep timer: 15 minutes, shown as the time it stops; then off again.
    page.css("#sleep").click()
    page.until(lambda d: "in 15 minutes" in page.text("#dialog[open]"))
    page.press("#dialog[open]", "in 15 minutes")
    page.until(lambda d: player(daemon)["sleep_timer_mode"] == "minutes")
    ends = player(daemon)["sleep_timer_ends_at"]
    assert abs(ends - (time.time() * 1000 + 15 * 60_000)) < 5000
    page.until(lambda d: page.text("#sleep-state").startswith("Stops at"))
    page.css("#sleep").click()
    page.until(lambda d: "at the end of this track" in page.text("#dialog[open]"))
    page.press("#dialog[open]", "at the end of this track")
    page.until(lambda d: page.text("#sleep-state") == "Stops after this track")
    page.css("#sleep").click()
    page.until(lambda d: "Turn the sleep timer off" in page.text("#dialog[open]"))
    page.press("#dialog[open]", "Turn the sleep timer off")
    page.until(lambda d: player(daemon)["sleep_timer_mode"] == "off" and page.text("#sleep-state") == "")
    # Seek by the bar: to the middle of the track.
    page.js("const s = document.getElementById('seek'); s.value = 500; s.dispatchEvent(new Event('change'))")
    page.until(lambda d: abs(player(daemon)["position_ms"] - 15000) < 1500)
    assert page.errors() == []


def test_a_second_phone_sees_a_change_within_half_a_second(daemon, library, browser):
    api(daemon, "POST", f"playlists/{library['songs']}/start", json={})
    first, second = browser(), browser()
    for page in (first, second):
        page.open(daemon.url)
        page.until(lambda d, page=page: page.css("#play-toggle").get_attribute("aria-label") == "Pause")
    latencies = []
    for _ in range(5):
        expected = "Play" if second.css("#play-toggle").get_attribute("aria-label") == "Pause" else "Pause"
        second.js("""window.__seen = null; const button = document.getElementById('play-toggle');
            new MutationObserver((m, o) => { if (button.getAttribute('aria-label') === arguments[0]) { window.__seen = Date.now(); o.disconnect(); } })
              .observe(button, {attributes: true});""", expected)
        clicked = first.js("document.getElementById('play-toggle').click(); return Date.now()")
        second.until(lambda d: d.execute_script("return window.__seen") is not None, timeout=5)
        latencies.append(second.js("return window.__seen") - clicked)
    assert max(latencies) < 500, latencies
    print(f"pause in one browser -> seen in the other: {sorted(latencies)} ms")
    # Volume from the first phone shows on the second.
    first.js("const v = document.getElementById('volume'); v.value = 37; v.dispatchEvent(new Event('input'))")
    second.until(lambda d: d.execute_script("return document.getElementById('volume').value") == "37")


def test_the_list_follows_changes_made_elsewhere_as_deltas(daemon, library, browser):
    """The page joins `playlists` with deltas: a playlist created, renamed and deleted from
    another client shows, changes and goes in the list in the box's order, with no whole
    collection sent after the join (the page counts the events it was sent)."""
    page = browser()
    page.open(daemon.url)
    page.go("#/playlists")
    page.until(lambda d: page.all("#playlist-list .playlist-row"))
    page.js("""window.__events = {}; for (const name of ['state:playlists', 'state:playlist_updated'])
        window.musicbox.socket.on(name, () => { window.__events[name] = (window.__events[name] ?? 0) + 1; });""")
    titles = lambda: [r.text.split("\n")[0] for r in page.all("#playlist-list .playlist-row")]
    before = titles()
    made = api(daemon, "POST", "playlists", json={"title": "Made Elsewhere"})
    page.until(lambda d: titles() == before + ["Made Elsewhere"])
    api(daemon, "PATCH", f"playlists/{made['id']}", json={"title": "Renamed Elsewhere"})
    page.until(lambda d: titles() == before + ["Renamed Elsewhere"])
    api(daemon, "DELETE", f"playlists/{made['id']}")
    page.until(lambda d: titles() == before)
    events = page.js("return window.__events")
    assert events.get("state:playlist_updated") == 2 and "state:playlists" not in events, events


def test_volume_slider_is_capped_at_the_parents_maximum(daemon, library, browser):
    page = browser()
    page.open(daemon.url)
    api(daemon, "PATCH", "settings", json={"max_volume": 60})
    try:
        page.until(lambda d: page.css("#volume").get_attribute("max") == "60")
        assert "60" in page.text(".volume-row")
    finally:
        api(daemon, "PATCH", "settings", json={"max_volume": 100})


def test_reconnects_by_itself_and_catches_up(daemon, library, browser):
    page = browser()
    page.open(daemon.url)
    api(daemon, "POST", "player/stop")
    page.until(lambda d: page.css("#play-toggle").get_attribute("aria-label") == "Play")
    # Drop the page's connection; while it is away the box changes.
    page.js("window.musicbox.socket.ws.close()")
    page.until(lambda d: d.execute_script("return document.getElementById('connection').dataset.state") != "connected", timeout=5)
    api(daemon, "POST", f"playlists/{library['songs']}/start", json={"track_index": 1})
    page.until(lambda d: d.execute_script("return document.getElementById('connection').dataset.state") == "connected", timeout=10)
    page.until(lambda d: page.text("#now-title") == "Little March")


def test_with_the_box_away_the_page_says_so_and_play_continues_the_last_playlist_after(media, browser):
    """The box itself goes away (killed, as by a power cut) while it plays: the page says so, its
    controls are off and its clock stands still. Back on the same port, the page reconnects and
    Play, with nothing loaded after the restart, continues the playlist that was playing; on its
    first track Previous is offered (it restarts the track)."""
    from icecast import free_port
    port = free_port()
    box = Daemon("--port", str(port))
    try:
        songs = create_playlist(box, "Long Songs")
        upload(box, songs, media["lullaby"])
        upload(box, songs, media["march"])
        page = browser()
        page.open(box.url)
        api(box, "POST", f"playlists/{songs}/start")
        page.until(lambda d: page.css("#play-toggle").get_attribute("aria-label") == "Pause")
        assert page.css("button[aria-label='Previous track']").is_enabled()  # track 1: previous restarts it
        time.sleep(1.5)  # a resume point is written behind; a power cut may lose the last seconds only
        api(box, "POST", "player/pause")
        api(box, "POST", "player/play")
        page.until(lambda d: page.css("#play-toggle").get_attribute("aria-label") == "Pause")
        box.proc.kill()
        box.proc.wait()
        page.until(lambda d: page.css("#now-offline").is_displayed(), timeout=20)
        assert page.css("#play-toggle").get_attribute("aria-label") == "Play"
        for control in ("#play-toggle", "#volume", "#repeat", "button[aria-label='Next track']"):
            assert not page.css(control).is_enabled(), control
        first = page.text("#now-elapsed")
        time.sleep(2)
        assert page.text("#now-elapsed") == first, "the clock ran on with the box away"
        box.start()
        page.until(lambda d: d.execute_script("return document.getElementById('connection').dataset.state") == "connected", timeout=20)
        assert not page.css("#now-offline").is_displayed()
        page.until(lambda d: page.css("#play-toggle").is_enabled())
        page.css("#play-toggle").click()
        page.until(lambda d: player(box)["state"] == "playing")
        assert player(box)["active_playlist_id"] == songs
        page.until(lambda d: page.text("#now-title") == "Lullaby")
    finally:
        box.stop()


# --- Playlists and uploads ----------------------------------------------------------------------

def test_upload_two_files_by_the_file_input(daemon, library, media, browser):
    trip = [p for p in api(daemon, "GET", "playlists")["playlists"] if p["title"] == "Car Trip"][0]["id"]
    page = browser(LAPTOP)
    page.open(daemon.url, parent=True)
    page.go(f"#/playlist/{trip}")
    page.until(lambda d: page.all("#upload-files"))
    page.css("#upload-files").send_keys(media["rain"] + "\n" + media["wind"])
    page.until(lambda d: len(page.all("#track-list .track")) == 2, timeout=30)
    rows = page.texts("#track-list .track")
    assert "Rain Song" in rows[0] and "0:07" in rows[0], rows
    assert "Wind Song" in rows[1] and "0:04" in rows[1], rows
    page.until(lambda d: page.texts("#upload-list .upload-state") == ["Added", "Added"])
    assert "2 of 2 files" in page.text(".upload-panel")
    tracks = api(daemon, "GET", f"playlists/{trip}")["tracks"]
    assert [t["title"] for t in tracks] == ["Rain Song", "Wind Song"]
    assert abs(tracks[0]["duration_ms"] - 7000) <= 50 and abs(tracks[1]["duration_ms"] - 4000) <= 50
    page.shot("upload")
    page.resize(PHONE)
    page.shot("upload")
    assert page.errors() == []


def test_a_file_that_is_not_audio_gets_a_clear_error(daemon, library, browser):
    trip = [p for p in api(daemon, "GET", "playlists")["playlists"] if p["title"] == "Car Trip"][0]["id"]
    fake = os.path.join(tempfile.mkdtemp(), "notes.mp3")
    with open(fake, "w") as handle:
        handle.write("shopping list: milk, bread\n" * 100)
    page = browser()
    page.open(daemon.url, parent=True)
    page.go(f"#/playlist/{trip}")
    page.until(lambda d: page.all("#upload-files"))
    page.css("#upload-files").send_keys(fake)
    page.until(lambda d: page.all("#upload-list .upload-failed"))
    # The page's own words for the reason (not_audio), never the bare code.
    assert "holds no music the box can play" in page.text("#upload-list .upload-failed .error")
    assert "not_audio" not in page.text("#upload-list")
    assert len(api(daemon, "GET", f"playlists/{trip}")["tracks"]) == 2


def test_add_a_radio_station_by_its_address(daemon, library, browser):
    """A parent pastes a station's address: the box listens to it first (a real Icecast here),
    refuses one that does not answer with the box's reason, and lists the station as live."""
    from icecast import Icecast, free_port
    radio = Icecast(frequency=440).start()
    try:
        playlist = create_playlist(daemon, "Radio")
        page = browser(LAPTOP)
        page.open(daemon.url, parent=True)
        page.go(f"#/playlist/{playlist}")
        page.until(lambda d: page.all("#stream-url"))
        page.css("#stream-url").send_keys(f"http://127.0.0.1:{free_port()}/gone.mp3")
        page.css("#stream-add").click()
        page.until(lambda d: "cannot be reached" in page.text("#stream-status"), timeout=15)
        page.css("#stream-url").clear()
        page.css("#stream-url").send_keys(radio.url)
        page.css("#stream-title").send_keys("Kinder Radio")
        page.css("#stream-add").click()
        page.until(lambda d: len(page.all("#track-list .track")) == 1, timeout=15)
        row = page.texts("#track-list .track")[0]
        assert "Kinder Radio" in row and "Live" in row, row
        (track,) = api(daemon, "GET", f"playlists/{playlist}")["tracks"]
        assert track["kind"] == "stream" and track["stream_url"] == radio.url
        assert page.text("#stream-status") == ""
        page.shot("stream")
        # The browser logs the refused address's answer (502); nothing else went wrong.
        assert [e for e in page.errors() if "/streams" not in e["message"] or "502" not in e["message"]] == []
    finally:
        radio.close()


def test_add_a_song_from_a_link_and_watch_it_arrive(daemon, library, browser):
    """A parent pastes a page's address: the task shows its progress and then "Added", and the
    song appears in the playlist (yt-dlp in the box, a local web server)."""
    from test_links import SongServer
    songs = SongServer(seconds=8, chunk=16_384, pause=0.05)
    try:
        playlist = create_playlist(daemon, "From links")
        page = browser(LAPTOP)
        page.open(daemon.url, parent=True)
        page.go(f"#/playlist/{playlist}")
        page.until(lambda d: page.all("#link-url"))
        page.css("#link-url").send_keys(f"{songs.url}/page.html")
        page.css("#link-add").click()
        page.until(lambda d: page.all("#link-list .link-completed"), timeout=30)
        page.until(lambda d: len(page.all("#track-list .track")) == 1, timeout=10)
        assert "Linked Song" in page.texts("#track-list .track")[0]
        assert "Added" in page.text("#link-list")
        page.shot("link")
        assert page.errors() == []
    finally:
        songs.close()


def test_follow_a_podcast_and_see_its_episodes_arrive(daemon, library, browser):
    from test_feeds import FeedServer
    server = FeedServer()
    server.publish([1, 2, 3])
    try:
        playlist = create_playlist(daemon, "Podcast")
        page = browser(LAPTOP)
        page.open(daemon.url, parent=True)
        page.go(f"#/playlist/{playlist}")
        page.until(lambda d: page.all("#feed-url"))
        page.css("#feed-url").send_keys(f"{server.url}/feed.xml")
        page.css("#feed-keep").clear()
        page.css("#feed-keep").send_keys("2")
        page.css("#feed-follow").click()
        page.until(lambda d: len(page.all("#feed-episodes li")) == 3, timeout=30)
        assert "3 episodes in the feed" in page.text("#feed-status")
        page.until(lambda d: len(page.all("#track-list .track")) == 2, timeout=60)
        assert "Episode 3" in page.texts("#track-list .track")[0]
        page.until(lambda d: len(page.all("#feed-episodes .feed-downloaded")) == 2, timeout=10)
        page.shot("podcast")
        assert page.errors() == []
    finally:
        server.close()


def test_parent_edits_rename_reorder_delete(daemon, library, media, browser):
    playlist = create_playlist(daemon, "Editing")
    for name in ("rain", "wind"):
        upload(daemon, playlist, media[name])
    page = browser(LAPTOP)
    page.open(daemon.url, parent=True)
    page.go(f"#/playlist/{playlist}")
    page.until(lambda d: len(page.all("#track-list .track")) == 2)
    # Reorder with the keyboard: the button pressed by Enter, and the focus stays on the moved
    # track (its ↑ is off at the top now, so its ↓), not lost to the page.
    from selenium.webdriver.common.keys import Keys
    up = page.css("#track-list [aria-label='Move Wind Song up']")
    page.js("arguments[0].focus()", up)
    up.send_keys(Keys.ENTER)
    page.until(lambda d: "Wind Song" in page.texts("#track-list .track")[0])
    assert [t["title"] for t in api(daemon, "GET", f"playlists/{playlist}")["tracks"]] == ["Wind Song", "Rain Song"]
    page.until(lambda d: page.js("return document.activeElement.getAttribute('aria-label')") == "Move Wind Song down")
    page.js("return document.activeElement").send_keys(Keys.ENTER)
    page.until(lambda d: "Wind Song" in page.texts("#track-list .track")[1])
    page.until(lambda d: page.js("return document.activeElement.getAttribute('aria-label')") == "Move Wind Song up")
    page.js("return document.activeElement").send_keys(Keys.ENTER)
    page.until(lambda d: "Wind Song" in page.texts("#track-list .track")[0])
    # Rename through the dialog.
    page.press("#track-list .track:nth-child(1)", "Rename")
    field = page.css("#dialog[open] input")
    field.clear()
    field.send_keys("Windy Song")
    page.css("#dialog[open] button.primary").click()
    page.until(lambda d: "Windy Song" in page.texts("#track-list .track")[0])
    # Delete needs a confirmation; cancel first, then confirm.
    page.press("#track-list .track:nth-child(2)", "Delete")
    page.press("#dialog[open]", "Cancel")
    assert len(api(daemon, "GET", f"playlists/{playlist}")["tracks"]) == 2
    page.press("#track-list .track:nth-child(2)", "Delete")
    page.css("#dialog[open] button.danger").click()
    page.until(lambda d: len(page.all("#track-list .track")) == 1)
    assert [t["title"] for t in api(daemon, "GET", f"playlists/{playlist}")["tracks"]] == ["Windy Song"]


def test_without_parent_mode_there_are_no_edit_controls(daemon, library, browser):
    page = browser()
    page.open(daemon.url)
    page.go(f"#/playlist/{library['songs']}")
    page.until(lambda d: len(page.all("#track-list .track")) == 2)
    assert page.all("#upload-files") == [] and page.all("#link-tag") == []
    assert not [b for b in page.all("#track-list button") if b.text in ("Rename", "Delete")]
    page.shot("playlist")
    page.resize(LAPTOP)
    page.shot("playlist")


# --- Tags ---------------------------------------------------------------------------------------

def test_link_a_tag_then_move_a_duplicate_here(daemon, library, browser):
    trip = [p for p in api(daemon, "GET", "playlists")["playlists"] if p["title"] == "Car Trip"][0]["id"]
    page = browser()
    page.open(daemon.url, parent=True)
    page.go(f"#/playlist/{library['songs']}")
    page.until(lambda d: page.all("#link-tag"))
    page.css("#link-tag").click()
    page.until(lambda d: re.search(r"Hold a tag on the box… (59|60) s", page.text("#tag-countdown")))
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "04a1b2c3"})
    page.until(lambda d: page.all("#tag-success"))
    api(daemon, "POST", "dev/nfc/remove")
    assert api(daemon, "GET", f"playlists/{library['songs']}")["nfc_tag_id"] == "04a1b2c3"
    # Told as a person reads it (its last four digits), the whole id kept in the title.
    page.until(lambda d: page.text("#tag-current") == "Tag ending in B2C3")
    assert page.css("#tag-current").get_attribute("title") == "04a1b2c3"
    # The same tag for another playlist: a duplicate naming its owner, then "move it here".
    page.go(f"#/playlist/{trip}")
    page.until(lambda d: page.all("#link-tag") and "No tag" in page.text("#tag-current"))
    page.css("#link-tag").click()
    page.until(lambda d: page.all("#tag-countdown"))
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "04a1b2c3"})
    page.until(lambda d: page.all("#tag-duplicate"))
    assert "Bedtime Songs" in page.text("#tag-duplicate")
    api(daemon, "POST", "dev/nfc/remove")
    page.press("#tag-status", "Move it here")
    page.until(lambda d: page.all("#tag-success"))  # the session ends with the move, as with override_nfc_tag
    page.until(lambda d: api(daemon, "GET", f"playlists/{trip}")["nfc_tag_id"] == "04a1b2c3")
    assert api(daemon, "GET", f"playlists/{library['songs']}")["nfc_tag_id"] is None
    # Unlink.
    page.until(lambda d: page.css("#unlink-tag").is_displayed())
    page.css("#unlink-tag").click()
    page.until(lambda d: api(daemon, "GET", f"playlists/{trip}")["nfc_tag_id"] is None)


def test_an_unknown_tag_tapped_on_the_box_offers_to_link_it(daemon, library, browser):
    page = browser()
    page.open(daemon.url, parent=True)
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "deadbeef"})
    page.until(lambda d: page.css("#tag-prompt").is_displayed())
    assert "ending in BEEF" in page.text("#tag-prompt")  # its last digits, as a person reads them
    api(daemon, "POST", "dev/nfc/remove")
    page.press("#tag-prompt", "Link it to a playlist")
    page.js("const s = document.querySelector('#dialog[open] select'); s.value = arguments[0];", library["songs"])
    page.css("#dialog[open] button.primary").click()
    page.until(lambda d: api(daemon, "GET", f"playlists/{library['songs']}")["nfc_tag_id"] == "deadbeef")


def test_a_parent_makes_a_command_tag_and_locks_the_buttons_from_the_page(daemon, library, browser):
    """An unknown tag tapped on the box becomes a command tag from the prompt (the toddler lock);
    tapping it locks the buttons, which the page says; Settings lists it and removes it; the
    lock chip unlocks. Not in parent mode, there is no lock chip."""
    page = browser()
    page.open(daemon.url, parent=True)
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "c0ffee01"})
    page.until(lambda d: page.css("#tag-prompt").is_displayed())
    api(daemon, "POST", "dev/nfc/remove")
    page.css("#make-command-tag").click()
    page.until(lambda d: page.all("#dialog[open] select[name=action]"))
    page.js("document.querySelector('#dialog[open] select[name=action]').value = 'toddler_lock'")
    page.css("#dialog[open] button.primary").click()
    page.until(lambda d: [c["action"] for c in api(daemon, "GET", "nfc/commands")["commands"]] == ["toddler_lock"])
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "c0ffee01"})
    api(daemon, "POST", "dev/nfc/remove")
    page.until(lambda d: player(daemon)["toddler_lock"] is True)
    page.until(lambda d: "buttons are locked" in page.text("#lock-state"))
    assert page.css("#toddler-lock").get_attribute("aria-pressed") == "true"
    # A locked box's simulated button does nothing.
    before = player(daemon)["volume"]
    api(daemon, "POST", "dev/controls/press", json={"action": "volume_up"})
    time.sleep(0.3)
    assert player(daemon)["volume"] == before
    page.css("#toddler-lock").click()
    page.until(lambda d: player(daemon)["toddler_lock"] is False)
    page.until(lambda d: page.text("#lock-state") == "")
    # Settings: listed, described, removed.
    page.go("#/settings")
    page.unfold()
    page.until(lambda d: "Lock or unlock the buttons" in page.text("#command-tags"))
    page.press("#command-tags", "Delete")
    page.until(lambda d: "No command tags" in page.text("#command-tags"))
    assert api(daemon, "GET", "nfc/commands")["commands"] == []
    child = browser()
    child.open(daemon.url)
    assert not child.css("#toddler-lock").is_displayed()


def test_quiet_time_without_music_a_linked_tag_and_a_new_tag_are_told_plainly(daemon, library, browser):
    """Quiet hours at a cap of 0: Play is off and the page says why (no tap that silently fails).
    A playlist with a tag offers to link another, not "Link a tag" again. A new tag's prompt is a
    labelled landmark of its own."""
    now = datetime.datetime.now()
    start, end = ((now + datetime.timedelta(minutes=delta)).strftime("%H:%M") for delta in (-60, 60))
    page = browser()
    page.open(daemon.url, parent=True)
    try:
        api(daemon, "PATCH", "settings", json={"quiet_hours_enabled": True, "quiet_hours_start": start, "quiet_hours_end": end,
                                               "quiet_hours_max_volume": 0})
        page.until(lambda d: player(daemon)["quiet_hours_active"] is True, timeout=5)
        page.until(lambda d: "no music now" in page.text("#view"))
        assert not page.css("#play-toggle").is_enabled()
    finally:
        api(daemon, "PATCH", "settings", json={"quiet_hours_enabled": False})
    page.until(lambda d: page.css("#play-toggle").is_enabled())
    api(daemon, "POST", "nfc/associate", json={"tag_id": "0badcafe", "playlist_id": library["songs"], "force": True})
    page.go(f"#/playlist/{library['songs']}")
    page.until(lambda d: page.text("#link-tag") == "Link another tag")
    api(daemon, "POST", "dev/nfc/place", json={"tag_id": "c0ffee99"})
    page.until(lambda d: page.css("#tag-prompt").is_displayed())
    assert page.js("const p = document.getElementById('tag-prompt'); return [p.tagName, p.getAttribute('aria-label')]") == ["ASIDE", "New tag"]
    api(daemon, "POST", "dev/nfc/remove")
    page.press("#tag-prompt", "Close")


def test_a_new_family_is_guided_through_the_first_steps_and_can_skip_them(media, browser):
    """A box with nothing on it: the page walks a parent through parent mode, naming the box, a PIN,
    the first playlist, its songs and a tag, each step ticked from the box's own state (so a reload picks up
    where it was), and goes away when all are done; skipped, Settings brings it back."""
    box = Daemon()
    try:
        page = browser()
        page.open(box.url)
        page.until(lambda d: page.css("#first-run").is_displayed())
        steps = lambda: page.js("return [...document.querySelectorAll('#first-run li')].map(l => l.className)")

        def go_on():  # the guide's "Do it", as a finger would tap it (scrolled into sight first)
            button = page.css("#first-run a.button")
            page.js("arguments[0].scrollIntoView({block: 'center'})", button)
            button.click()
        assert steps() == ["next", "", "", "", "", ""]
        assert page.text(".brand") == "Music Box"
        page.shot("first-run")
        page.css("#parent-toggle").click()
        page.until(lambda d: steps()[:2] == ["done", "next"])
        # Named in the guide itself: the header and the page title say it at once, the box keeps it.
        page.css("#first-box-name").send_keys("Mia’s box\n")
        page.until(lambda d: page.text(".brand") == "Mia’s box" and steps()[:3] == ["done", "done", "next"])
        assert page.driver.title == "Mia’s box" and api(box, "GET", "settings")["box_name"] == "Mia’s box"
        go_on()  # to the PIN in Settings
        page.until(lambda d: page.all("#pin-form"))
        for name in ("pin", "repeat"):
            page.css(f"#pin-form [name={name}]").send_keys("2468")
        page.css("#save-pin").click()
        page.until(lambda d: "A PIN protects" in page.text("#pin-status"))
        page.go("#/now")
        page.until(lambda d: steps()[:4] == ["done", "done", "done", "next"])
        # Resumable: a reload shows the same place (and the name, read from the box).
        page.driver.refresh()
        page.until(lambda d: page.all("#first-run li") and steps()[:4] == ["done", "done", "done", "next"])
        page.until(lambda d: page.text(".brand") == "Mia’s box")
        go_on()
        page.until(lambda d: page.all("#new-playlist"))
        page.css("#new-playlist").send_keys("Our first songs\n")
        page.until(lambda d: page.js("return location.hash").startswith("#/playlist/"))
        playlist = page.js("return location.hash").split("/")[-1]
        page.go("#/now")
        page.until(lambda d: steps() == ["done", "done", "done", "done", "next", ""])
        go_on()  # to the playlist: its upload area (the parent's cookie logs it in)
        page.until(lambda d: page.all("#upload-files"))
        page.css("#upload-files").send_keys(media["wind"])
        page.until(lambda d: len(api(box, "GET", f"playlists/{playlist}")["tracks"]) == 1, timeout=20)
        page.go("#/now")
        page.until(lambda d: steps() == ["done", "done", "done", "done", "done", "next"])
        token = requests.post(f"{box.url}/api/auth/login", json={"pin": "2468"}, timeout=5).json()["data"]["token"]
        requests.post(f"{box.url}/api/nfc/associate", json={"tag_id": "04010203", "playlist_id": playlist},
                      headers={"Authorization": f"Bearer {token}"}, timeout=5).raise_for_status()
        page.until(lambda d: not page.css("#first-run").is_displayed())
        # Skipped and brought back: on another, empty box.
        other = Daemon()
        try:
            page.driver.get(other.url + "/#/now")
            page.until(lambda d: page.all("#first-run") and page.css("#first-run").is_displayed())
            page.css("#first-run-skip").click()
            page.until(lambda d: not page.css("#first-run").is_displayed())
            page.go("#/settings")
            page.unfold()
            page.until(lambda d: page.all("#first-run-again"))
            page.css("#first-run-again").click()
            page.until(lambda d: page.all("#first-run") and page.css("#first-run").is_displayed())
        finally:
            other.stop()
    finally:
        box.stop()


# --- Accessibility -------------------------------------------------------------------------------

AXE_WHEEL = "axe-playwright-python==0.1.8"  # ships axe-core 4.12.1; fetched at test time, never committed


def axe_source():
    import zipfile
    cache = os.path.join(ROOT, ".build", "axe-core")
    target = os.path.join(cache, "axe.min.js")
    if not os.path.exists(target):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "pip"), "download", "--quiet", "--no-deps", "-d", cache, AXE_WHEEL],
                       check=True)
        wheel = next(name for name in os.listdir(cache) if name.endswith(".whl"))
        with zipfile.ZipFile(os.path.join(cache, wheel)) as archive, open(target, "wb") as out:
            out.write(archive.read("axe_playwright_python/axe.min.js"))
    source = open(target, encoding="utf-8").read()
    assert source.startswith("/*! axe v4."), source[:40]
    return source


def axe_violations(page, source):
    """axe-core's serious and critical violations of the page as it is now."""
    page.js(source)
    result = page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; axe.run(document, {resultTypes: ['violations']}).then(done, (e) => done({error: String(e)}));")
    assert "error" not in result, result
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4]) for v in result["violations"] if v["impact"] in ("serious", "critical")]


SCREENS = (("#/now", "#play-toggle"), ("#/playlists", "#playlist-list"), ("#/settings", "#settings-form"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_any_screen_at_either_size(daemon, library, browser, scheme):
    source = axe_source()
    page = browser(PHONE, scheme=scheme)
    page.open(daemon.url, parent=True)
    found = {}
    for size in (PHONE, LAPTOP):
        page.resize(size)
        for route, ready in SCREENS + ((f"#/playlist/{library['songs']}", "#track-list .track"),):
            page.go(route)
            page.until(lambda d: page.all(ready))
            time.sleep(0.4)
            violations = axe_violations(page, source)
            if violations:
                found[f"{route} {size[0]}x{size[1]}"] = violations
    assert found == {}, found


def test_every_control_on_the_phone_is_at_least_44_px_each_way(daemon, library, browser):
    page = browser(PHONE)
    page.open(daemon.url, parent=True)
    small = {}
    for route, ready in SCREENS + ((f"#/playlist/{library['songs']}", "#track-list .track"),):
        page.go(route)
        page.until(lambda d: page.all(ready))
        if route == "#/settings":
            page.unfold()  # what the folded groups hold counts too
        time.sleep(0.3)
        # A file input is hidden behind its label, which is the control (measured as such).
        measured = page.js("""return [...document.querySelectorAll('button, a[href], input:not([type=file]), select, summary, [role=button], label.button')]
            .filter((e) => e.offsetParent !== null && !e.closest('[hidden]'))
            .map((e) => { const r = (e.closest('label.check') || e).getBoundingClientRect();
                          return [e.id || e.getAttribute('aria-label') || e.name || e.textContent.trim().slice(0, 30), Math.round(r.width), Math.round(r.height)]; })
            .filter(([, w, h]) => w < 44 || h < 44);""")
        if measured:
            small[route] = measured
    assert small == {}, small


# --- Languages ----------------------------------------------------------------------------------

LANGUAGES = ("en", "de", "fr")


def language_table(code):
    text = open(os.path.join(SITE, "js", "i18n", f"{code}.js"), encoding="utf-8").read()
    return dict(re.findall(r'^  (\w+): ("(?:[^"\\]|\\.)*"),$', text, re.M))


def test_every_language_has_every_text_with_the_same_placeholders_and_every_text_used_exists():
    """Fails when a string is missing (or left over) in one language, when a translation drops or
    invents a {placeholder}, or when the UI asks for a text English does not have, including each
    family the code builds by name (error_<every error_type>, health_<component>, command_<action>…)."""
    import json
    tables = {code: {k: json.loads(v) for k, v in language_table(code).items()} for code in LANGUAGES}
    english = tables["en"]
    assert len(english) > 250
    for code in ("de", "fr"):
        assert sorted(set(english) - set(tables[code])) == [], f"missing in {code}"
        assert sorted(set(tables[code]) - set(english)) == [], f"only in {code}"
        for key, text in english.items():
            assert set(re.findall(r"\{(\w+)\}", tables[code][key])) <= set(re.findall(r"\{(\w+)\}", text)) | {"count"}, (code, key)
            assert set(re.findall(r"\{(\w+)\}", text)) - {"count"} <= set(re.findall(r"\{(\w+)\}", tables[code][key])) | (
                {"count"} if key.endswith("_one") else set()), (code, key)
        # The same as English only where it is a name ("Home Assistant").
        untranslated = [k for k, v in tables[code].items() if v == english[k] and len(v) > 12 and "{" not in v and k != "mqtt_home_assistant"]
        assert untranslated == [], (code, untranslated)
    used = set()
    for folder, _, files in os.walk(os.path.join(SITE, "js")):
        for name in files:
            if name.endswith(".js") and "i18n" not in folder:
                source = open(os.path.join(folder, name), encoding="utf-8").read()
                used |= set(re.findall(r'\bt\("(\w+)"', source))
    used |= set(re.findall(r'data-text="(\w+)"', open(os.path.join(SITE, "index.html"), encoding="utf-8").read()))
    assert sorted(used - set(english)) == []
    document = json.load(open(os.path.join(SITE, "openapi.json")))
    codes = document["components"]["schemas"]["Error"]["properties"]["error_type"]["enum"]
    families = {"error": codes + ["offline"], "health": ["database", "storage", "audio", "nfc", "gpio", "links", "mqtt"],
                "command": ["sleep", "sleep_end_of_track", "volume_cap", "stop", "shutdown", "toddler_lock"],
                "repeat": ["none", "all", "one"], "sound": ["ready", "tag_linked", "unknown_tag", "error"],
                "connection": ["connecting", "connected", "offline"], "settings_tag_again": ["continue", "restart", "next"],
                "tag": ["timeout", "stopped", "error", "success", "duplicate"], "sleep": ["end_of_track", "end_of_playlist"]}
    for family, names in families.items():
        assert sorted(f"{family}_{name}" for name in names if f"{family}_{name}" not in english) == [], family


def test_the_page_speaks_the_browsers_language_and_the_one_chosen_in_settings(daemon, library, browser):
    """German chosen in Settings: the page reloads in German (lang="de", tabs, player); a browser
    that asks for French gets French with no choice made: the player's words, a clock time in the
    French way, a refused upload and an error code in French words, not the server's English.
    Screenshots of every screen in each language, at phone and laptop size."""
    page = browser()
    page.open(daemon.url, parent=True)
    page.go("#/settings")
    page.unfold()
    page.until(lambda d: page.all("#language"))
    page.js("const s = document.getElementById('language'); s.value = 'de'; s.dispatchEvent(new Event('change'));")
    page.until(lambda d: page.js("return document.documentElement.lang") == "de")
    page.until(lambda d: "Jetzt läuft" in page.text("nav.tabs") and "Einstellungen" in page.text("nav.tabs"))
    page.go("#/settings")
    page.unfold()
    page.until(lambda d: "Höchstlautstärke" in page.text("#settings-form"))
    for size in (PHONE, LAPTOP):
        page.resize(size)
        for route, ready in (("#/now", "#play-toggle"), ("#/playlists", "#playlist-list, .playlists"), ("#/settings", "#settings-form"),
                             (f"#/playlist/{library['songs']}", "#track-list")):
            page.go(route)
            page.until(lambda d: page.all(ready))
            time.sleep(0.3)
            page.shot(f"de-{route.strip('#/').split('/')[0]}")
    # The player's words in German.
    api(daemon, "POST", f"playlists/{library['songs']}/start")
    page.go("#/now")
    page.until(lambda d: page.css("#play-toggle").get_attribute("aria-label") == "Pause")
    assert "Titel 1 von 2" in page.text(".track-where")
    page.js("localStorage.removeItem('musicbox.language')")

    french = browser(PHONE, language="fr-FR")
    french.open(daemon.url, parent=True)
    french.until(lambda d: french.js("return document.documentElement.lang") == "fr")
    assert "En cours" in french.text("nav.tabs")
    french.go("#/playlists")
    french.until(lambda d: "morceaux" in french.text("#view"))
    for size in (PHONE, LAPTOP):
        french.resize(size)
        for route, ready in (("#/now", "#play-toggle"), ("#/playlists", "#view h2"), ("#/settings", "#settings-form"),
                             (f"#/playlist/{library['songs']}", "#track-list")):
            french.go(route)
            french.until(lambda d: french.all(ready))
            time.sleep(0.3)
            french.shot(f"fr-{route.strip('#/').split('/')[0]}")
    # The player's words, and the sleep timer's time as French clocks read (24 h, no AM/PM).
    api(daemon, "POST", "player/stop")
    api(daemon, "POST", f"playlists/{library['songs']}/start", json={"track_index": 1})
    api(daemon, "POST", "player/sleep", json={"mode": "minutes", "minutes": 30})
    french.go("#/now")
    french.until(lambda d: french.css("#play-toggle").get_attribute("aria-label") == "Pause")
    assert french.text(".track-where").endswith("Morceau 2 sur 2")
    french.until(lambda d: re.fullmatch(r"S'arrête à \d{2}:\d{2}", french.text("#sleep-state")))
    api(daemon, "POST", "player/sleep", json={"mode": "off"})
    api(daemon, "POST", "player/stop")
    # A refusal from the box (a file with no music) in the page's French words, not the server's English.
    fake = os.path.join(tempfile.mkdtemp(), "liste.mp3")
    with open(fake, "w") as handle:
        handle.write("lait, pain\n" * 100)
    french.go(f"#/playlist/{library['songs']}")
    french.until(lambda d: french.all("#upload-files"))
    french.css("#upload-files").send_keys(fake)
    french.until(lambda d: french.all("#upload-list .upload-failed"))
    assert "ne contient pas de musique" in french.text("#upload-list .upload-failed .error")
    # An error code without words of its own for its reason: the code's French words.
    told = french.driver.execute_async_script("""const done = arguments[arguments.length - 1];
        import('/js/strings.js').then((m) => done(m.errorText({ code: 'not_found', message: 'No playlist with id x.', details: {} })));""")
    assert told == "Ce n'est pas (ou plus) sur la boîte.", told


# --- Settings -----------------------------------------------------------------------------------

def quiet_window_away_from_now(now=None):
    """Quiet hours ("HH:MM", the box's local time, as the daemon on this machine reads it) from two
    to three hours after `now`: a window that cannot contain the next two hours."""
    now = now or datetime.datetime.now()
    start, end = now + datetime.timedelta(hours=2), now + datetime.timedelta(hours=3)
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def test_quiet_window_away_from_now_never_holds_the_next_two_hours():
    for minute in range(0, 24 * 60, 7):
        now = datetime.datetime(2026, 12, 1) + datetime.timedelta(minutes=minute)
        start, end = (datetime.datetime.strptime(x, "%H:%M") for x in quiet_window_away_from_now(now))
        start_m, end_m = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        for later in range(0, 120, 5):
            t = (minute + later) % (24 * 60)
            inside = start_m <= t < end_m if start_m < end_m else (t >= start_m or t < end_m)
            assert not inside, (now, start_m, end_m, t)


def test_settings_change_and_show_the_health_of_the_box(daemon, library, browser):
    page = browser()
    page.open(daemon.url, parent=True)
    page.go("#/settings")
    page.unfold()
    page.until(lambda d: page.css("#settings-form [name=max_volume]").get_attribute("value") == "100")
    page.js("const f = document.getElementById('settings-form'); f.elements.max_volume.value = 80; f.elements.startup_volume.value = 30;"
            " f.elements.min_volume.value = 15; f.elements.startup_volume_after_idle_minutes.value = 90;")
    page.css("#settings-form [name=tag_removal] option[value=keep_playing]").click()
    page.css("#settings-form [name=tag_again] option[value=next]").click()
    page.css("#settings-form [name=quiet_hours_enabled]").click()
    # A window that starts two hours from now and lasts one: never in force while this test runs (the
    # feedback sound below expects the day's cap), whatever the time of day or the machine's TZ.
    quiet_start, quiet_end = quiet_window_away_from_now()
    page.js("""const f = document.getElementById('settings-form'); f.elements.quiet_hours_start.value = arguments[0];
        f.elements.quiet_hours_end.value = arguments[1];
        f.elements.quiet_hours_max_volume.value = 10; f.elements.sleep_timer_minutes.value = 45;
        f.elements.daily_limit_minutes.value = 90;""", quiet_start, quiet_end)
    page.css("#save-settings").click()
    page.until(lambda d: api(daemon, "GET", "settings")["max_volume"] == 80)
    settings = api(daemon, "GET", "settings")
    assert settings["startup_volume"] == 30 and settings["tag_removal"] == "keep_playing" and settings["tag_again"] == "next"
    assert settings["min_volume"] == 15 and settings["startup_volume_after_idle_minutes"] == 90 and settings["daily_limit_minutes"] == 90
    listening = api(daemon, "GET", "player/listening")  # counted from now: at most a minute has played
    assert listening["limit_minutes"] == 90 and listening["reached"] is False and 89 <= listening["remaining_minutes"] <= 90, listening
    assert settings["quiet_hours_enabled"] is True and settings["quiet_hours_start"] == quiet_start
    assert settings["quiet_hours_end"] == quiet_end and settings["quiet_hours_max_volume"] == 10 and settings["sleep_timer_minutes"] == 45
    assert player(daemon)["quiet_hours_active"] is False
    # Sounds: off and quieter are saved; each one can be tried (the simulated output records it).
    page.css("#settings-form [name=feedback_sounds]").click()
    page.js("document.getElementById('settings-form').elements.feedback_volume.value = 45;")
    page.css("#save-settings").click()
    page.until(lambda d: api(daemon, "GET", "settings")["feedback_sounds"] is False)
    assert api(daemon, "GET", "settings")["feedback_volume"] == 45
    api(daemon, "PATCH", "settings", json={"feedback_sounds": True})
    page.css("#sound-tries [data-cue=unknown_tag]").click()
    page.until(lambda d: api(daemon, "GET", "dev/sounds")["sounds"][-1:] == [{"cue": "unknown_tag", "volume": 45}])
    page.until(lambda d: "Database" in page.text("#health"))
    assert "connected" in page.text("#health") and "simulated" in page.text("#health")
    assert "Version 0." in page.text("#about") and "free of" in page.text("#about")
    assert "simulated" in page.text("#button-map")
    page.shot("settings")
    page.resize(LAPTOP)
    page.shot("settings")
    api(daemon, "PATCH", "settings", json={"max_volume": 100, "min_volume": 0, "startup_volume_after_idle_minutes": 0, "daily_limit_minutes": 0,
                                           "startup_volume": 50, "tag_removal": "pause", "tag_again": "continue",
                                           "quiet_hours_enabled": False, "sleep_timer_minutes": 30})
    # Without parent mode the fields are read-only.
    page.js("localStorage.setItem('musicbox.parent', '0')")
    page.driver.refresh()
    page.go("#/settings")
    page.unfold()
    page.until(lambda d: page.all("#settings-form [name=max_volume]"))
    assert page.css("#settings-form [name=max_volume]").get_attribute("disabled") is not None
    assert page.all("#save-settings") == []


def test_a_parent_connects_the_box_to_home_assistant_from_settings(daemon, library, browser):
    """The smart-home form against a real mosquitto with a login: saved, the box connects and
    says so; the password field stays empty (the page never gets it back); a typed-over field
    alone is sent; the password can be removed."""
    from mosquitto import HomeSide, Mosquitto
    broker = Mosquitto(users={"box": "pa55-word", "home": "home"}).start()
    home = HomeSide(broker.port, topics=("kids/box/#",), username="home", password="home")
    page = browser(LAPTOP)
    try:
        page.open(daemon.url, parent=True)
        page.go("#/settings")
        page.unfold()
        page.until(lambda d: page.all("#mqtt-form [name=host]") and "Off" in page.text("#mqtt-status"))
        page.css("#mqtt-form [name=enabled]").click()
        for name, value in (("host", "127.0.0.1"), ("port", str(broker.port)), ("username", "box"), ("password", "pa55-word")):
            field = page.css(f"#mqtt-form [name={name}]")
            field.clear()
            field.send_keys(value)
        page.css("#mqtt-form details summary").click()
        field = page.css("#mqtt-form [name=base_topic]")
        field.clear()
        field.send_keys("kids/box")
        page.css("#save-mqtt").click()
        assert home.wait(lambda h: h.last.get("kids/box/availability") == "online", timeout=15), home.last
        page.until(lambda d: "Connected to 127.0.0.1" in page.text("#mqtt-status"))
        assert page.css("#mqtt-form [name=password]").get_attribute("value") == ""
        assert "pa55-word" not in page.js("return document.documentElement.outerHTML")
        assert "A password is saved" in page.text("#mqtt-password-state")
        page.until(lambda d: "Smart home (MQTT)" in page.text("#health"))
        os.makedirs(SHOTS, exist_ok=True)
        page.css("#mqtt-settings").screenshot(os.path.join(SHOTS, "settings-mqtt-section.png"))
        stored = api(daemon, "GET", "settings/mqtt")
        assert stored["password_set"] is True and stored["username"] == "box" and stored["base_topic"] == "kids/box"
        # Removing the password: the broker refuses the box, and the page says why.
        page.css("#mqtt-forget-password").click()
        page.until(lambda d: "No password is saved" in page.text("#mqtt-password-state"))
        page.until(lambda d: "Not connected" in page.text("#mqtt-status") and "authori" in page.text("#mqtt-status").lower(), timeout=20)
        assert api(daemon, "GET", "settings/mqtt")["password_set"] is False
    finally:
        requests.patch(f"{daemon.url}/api/settings/mqtt", json={"enabled": False, "base_topic": ""}, timeout=5)
        home.close()
        broker.close()


# --- More of the library and uploads -----------------------------------------------------------

def test_play_from_a_track_drag_to_reorder_and_move_to_another_playlist(daemon, library, media, browser):
    playlist = create_playlist(daemon, "Dragging")
    target = create_playlist(daemon, "Elsewhere")
    for name in ("rain", "wind", "rain"):
        upload(daemon, playlist, media[name])
    page = browser(LAPTOP)
    page.open(daemon.url, parent=True)
    page.go(f"#/playlist/{playlist}")
    page.until(lambda d: len(page.all("#track-list .track")) == 3)
    # Play from the second track.
    page.js("document.querySelectorAll('#track-list .track-play')[1].click()")
    page.until(lambda d: player(daemon)["active_playlist_id"] == playlist and player(daemon)["track_index"] == 1)
    api(daemon, "POST", "player/stop")
    before = [t["id"] for t in api(daemon, "GET", f"playlists/{playlist}")["tracks"]]
    # Drag the third row onto the first (the browser's drag and drop events, as a mouse makes them).
    page.js("""const rows = document.querySelectorAll('#track-list .track'); const data = new DataTransfer();
        rows[2].dispatchEvent(new DragEvent('dragstart', {dataTransfer: data, bubbles: true}));
        rows[0].dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
        rows[0].dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
        rows[2].dispatchEvent(new DragEvent('dragend', {dataTransfer: data, bubbles: true}));""")
    page.until(lambda d: [t["id"] for t in api(daemon, "GET", f"playlists/{playlist}")["tracks"]] == [before[2], before[0], before[1]])
    page.until(lambda d: page.js("return [...document.querySelectorAll('#track-list .track')].map(r => r.dataset.id)") == [before[2], before[0], before[1]])
    # Move the (new) first track to the other playlist.
    page.press("#track-list .track:nth-child(1)", "Move to…")
    page.until(lambda d: page.all("#dialog[open] select"))
    page.js("document.querySelector('#dialog[open] select').value = arguments[0]", target)
    page.css("#dialog[open] button.primary").click()
    page.until(lambda d: len(page.all("#track-list .track")) == 2)
    assert [t["id"] for t in api(daemon, "GET", f"playlists/{target}")["tracks"]] == [before[2]]
    assert [t["track_number"] for t in api(daemon, "GET", f"playlists/{playlist}")["tracks"]] == [1, 2]


def big_wav(seconds=40):
    folder = tempfile.mkdtemp(prefix="webui-big-")
    path = os.path.join(folder, "Long Story.wav")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}:sample_rate=48000",
                    "-ac", "2", "-c:a", "pcm_s16le", path], check=True)
    return path  # 40 s: 7.3 MiB, eight 1 MiB chunks


def test_upload_pause_resume_and_continue_after_a_reload(daemon, library, browser):
    playlist = create_playlist(daemon, "Stories")
    path = big_wav()
    size = os.path.getsize(path)
    page = browser(LAPTOP)
    page.open(daemon.url, parent=True)
    # About 1.5 MiB/s up: the upload takes seconds, so there is time to pause it.
    page.driver.set_network_conditions(offline=False, latency=5, download_throughput=50 * 1024 * 1024, upload_throughput=1536 * 1024)
    page.go(f"#/playlist/{playlist}")
    page.until(lambda d: page.all("#upload-files"))
    page.css("#upload-files").send_keys(path)
    progress = "return Number(document.querySelector('#upload-list progress')?.value ?? 0)"
    # Progress within a chunk (not 1 MiB steps), with the speed and the time left.
    seen = set()
    def sample(d):
        seen.add(d.execute_script(progress))
        return d.execute_script(progress) >= 2 * 1024 * 1024
    page.until(sample)
    assert any(value % (1024 * 1024) for value in seen), sorted(seen)
    pace = page.text("#upload-list .upload-pace")
    match = re.fullmatch(r"([\d.]+) (KB|MB)/s · (\d+):(\d\d) left", pace)
    assert match, pace
    speed = float(match[1]) * (1000 if match[2] == "KB" else 1_000_000)
    assert 0.8e6 < speed < 2.5e6, pace  # the 1.5 MiB/s the network allows
    left = int(match[3]) * 60 + int(match[4])
    assert abs(left - (size - 2 * 1024 * 1024) / speed) < 6, pace
    page.press("#upload-list", "Pause")
    page.until(lambda d: page.texts("#upload-list .upload-state") == ["Paused"])
    session = page.js("return Object.entries(localStorage).find(([k]) => k.startsWith('musicbox.upload:'))[1]")
    status = api(daemon, "GET", f"playlists/{playlist}/uploads/{session}")
    paused_at = status["bytes_received"]
    assert 0 < paused_at < size and not status["complete"]
    time.sleep(1)
    assert api(daemon, "GET", f"playlists/{playlist}/uploads/{session}")["bytes_received"] == paused_at  # really paused
    page.press("#upload-list", "Resume")
    page.until(lambda d: d.execute_script(progress) >= paused_at + 1024 * 1024)
    # A reload in the middle: the page names the interrupted file; adding it again sends only the rest.
    page.driver.refresh()
    page.go(f"#/playlist/{playlist}")
    page.until(lambda d: "Long Story.wav" in page.text("#upload-interrupted"))
    received = api(daemon, "GET", f"playlists/{playlist}/uploads/{session}")["bytes_received"]
    assert received > paused_at
    page.css("#upload-files").send_keys(path)
    page.until(lambda d: d.execute_script(progress) >= received)  # started from what the box had, not from 0
    page.until(lambda d: page.texts("#upload-list .upload-state") == ["Added"], timeout=30)
    assert page.text("#upload-interrupted") == ""
    tracks = api(daemon, "GET", f"playlists/{playlist}")["tracks"]
    assert len(tracks) == 1 and tracks[0]["file_size"] == size and abs(tracks[0]["duration_ms"] - 40000) <= 50
    page.driver.delete_network_conditions()


def test_every_control_has_a_name_and_the_keyboard_reaches_it(daemon, library, browser):
    page = browser()
    page.open(daemon.url, parent=True)
    unnamed = """return [...document.querySelectorAll('button, input, select, a[href], progress')]
        .filter(e => e.offsetParent !== null || e.classList.contains('visually-hidden'))
        .filter(e => !(e.getAttribute('aria-label') || (e.labels && e.labels.length) || e.textContent.trim() || e.title))
        .map(e => e.outerHTML.slice(0, 120))"""
    for route in ("#/now", "#/playlists", f"#/playlist/{library['songs']}", "#/settings"):
        page.go(route)
        time.sleep(0.5)
        assert page.js(unnamed) == [], route
    # Tab from the top: the skip link first, then the header, then the sections.
    page.go("#/now")
    page.js("document.activeElement.blur(); window.scrollTo(0, 0)")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    order = []
    for _ in range(5):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        order.append(page.js("const e = document.activeElement; return e.id || e.getAttribute('href') || e.textContent.trim()"))
    assert order[:5] == ["#view", "parent-toggle", "#/now", "#/playlists", "#/settings"], order
    # The skip link jumps to the content without changing the page.
    page.go("#/playlists")
    page.until(lambda d: page.all("#playlist-list .playlist-row"))
    page.js("document.querySelector('.skip').click()")
    assert page.js("return [location.hash, document.activeElement.id]") == ["#/playlists", "view"]


# --- Parent PIN (last: it changes who may edit) ------------------------------------------------

def test_a_pin_set_in_settings_guards_library_edits(daemon, library, browser):
    laptop = browser(LAPTOP)
    laptop.open(daemon.url, parent=True)
    laptop.go("#/settings")
    laptop.unfold()
    laptop.until(lambda d: laptop.all("#pin-form"))
    assert "No PIN is set" in laptop.text("#pin-status")
    for name, value in (("pin", "2468"), ("repeat", "2469")):
        laptop.css(f"#pin-form [name={name}]").send_keys(value)
    laptop.css("#save-pin").click()
    laptop.until(lambda d: "not the same" in laptop.text("#pin-form .error"))
    laptop.css("#pin-form [name=repeat]").clear()
    laptop.css("#pin-form [name=repeat]").send_keys("2468")
    laptop.css("#save-pin").click()
    laptop.until(lambda d: "A PIN protects" in laptop.text("#pin-status"))
    # Its login is listed by a name a parent recognises, never the raw user agent.
    laptop.until(lambda d: laptop.all("#pin-logins li"))
    login = laptop.text("#pin-logins li")
    assert login.startswith("Chrome on Linux · ") and "(this device)" in login and "Mozilla" not in login, login
    try:
        # Without the parent token the API refuses library edits; playback stays open.
        refused = requests.post(f"{daemon.url}/api/playlists", json={"title": "Sneaky"}, timeout=5)
        assert refused.status_code == 401 and refused.json()["details"]["reason"] == "parent_token_required"
        assert requests.post(f"{daemon.url}/api/player/stop", timeout=5).status_code == 200
        # The laptop that set the PIN is logged in (HttpOnly cookie): its edits go through.
        laptop.go("#/playlists")
        laptop.until(lambda d: laptop.all("#new-playlist"))
        laptop.css("#new-playlist").send_keys("Made by a parent\n")
        laptop.until(lambda d: laptop.js("return location.hash").startswith("#/playlist/"))
        assert "Made by a parent" in [p["title"] for p in api(daemon, "GET", "playlists")["playlists"]]
        assert laptop.js("return document.cookie") == ""  # the token is out of the page's reach

        # A phone: parent mode asks for the PIN; a wrong one is refused in the dialog.
        phone = browser()
        phone.open(daemon.url)
        phone.css("#parent-toggle").click()
        phone.until(lambda d: phone.all("#pin-input"))
        phone.css("#pin-input").send_keys("1111\n")
        phone.until(lambda d: "not right" in phone.text("#dialog[open] .error"))
        phone.css("#pin-input").send_keys("2468\n")
        phone.until(lambda d: phone.css("#parent-toggle").get_attribute("aria-pressed") == "true")
        phone.go(f"#/playlist/{library['songs']}")
        phone.until(lambda d: len(phone.all("#track-list .track")) == 2)
        phone.press("#track-list .track:nth-child(1)", "Rename")
        field = phone.css("#dialog[open] input")
        field.clear()
        field.send_keys("Lullaby (parent)\n")
        phone.until(lambda d: "Lullaby (parent)" in phone.texts("#track-list .track")[0])
        # Leaving parent mode logs out: turning it on again asks for the PIN again.
        phone.css("#parent-toggle").click()
        phone.until(lambda d: phone.css("#parent-toggle").get_attribute("aria-pressed") == "false")
        phone.css("#parent-toggle").click()
        phone.until(lambda d: phone.all("#pin-input"))
    finally:
        token = requests.post(f"{daemon.url}/api/auth/login", json={"pin": "2468"}, timeout=10).json()["data"]["token"]
        removed = requests.delete(f"{daemon.url}/api/auth/pin", json={"current_pin": "2468"},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert removed.status_code == 200, removed.text


# --- Audiobook chapters --------------------------------------------------------------------------

def test_an_audiobook_shows_its_chapters_and_where_it_continues_in_every_language(browser):
    """An M4B with three chapters: its page lists them (tap one to play from there), Now playing
    names the chapter and its arrows say "chapter", and paused, the page says where it continues
    and continues there. axe and the 44 px rule on these screens too, screenshots in each language."""
    from test_chapters import make_book
    box = Daemon()
    work = tempfile.mkdtemp(prefix="webui-book-")
    try:
        book = create_playlist(box, "Audiobook")
        assert upload(box, book, make_book(work, "m4b")).status_code == 201
        page = browser(PHONE)
        page.open(box.url, guide=False)
        page.go(f"#/playlist/{book}")
        page.until(lambda d: page.all("#track-list .chapters"))
        assert page.text("#track-list .chapters summary") == "3 chapters"
        page.css("#track-list .chapters summary").click()
        page.until(lambda d: page.all(".chapter-play"))
        assert [row.split("\n")[0] for row in page.texts(".chapter-play")] == ["Chapter One", "Chapter Two", "Das dritte Kapitel"]
        page.all(".chapter-play")[1].click()
        page.until(lambda d: (player(box)["chapter"] or {}).get("index") == 1)
        assert 4000 <= player(box)["position_ms"] < 5000
        page.go("#/now")
        page.until(lambda d: page.text("#now-chapter") == "Chapter 2 of 3 · Chapter Two")
        next_button = page.css(".transport button:last-child")
        assert next_button.get_attribute("aria-label") == "Next chapter"
        next_button.click()
        page.until(lambda d: page.text("#now-chapter") == "Chapter 3 of 3 · Das dritte Kapitel")
        # The last chapter of the only file: nothing follows.
        page.until(lambda d: next_button.get_attribute("aria-label") == "Next track" and not next_button.is_enabled())
        assert page.css(".transport button:first-child").get_attribute("aria-label") == "Previous chapter"
        page.shot("chapters-now")
        api(box, "POST", "player/pause")

        page.go(f"#/playlist/{book}")
        page.until(lambda d: page.text("#continues-at").startswith("Continues at The Book · Chapter 3 of 3 · Das dritte Kapitel · 0:09"))
        page.css("#track-list .chapters summary").click()
        page.shot("chapters-playlist")
        source = axe_source()
        found = {}
        for scheme in ("dark", "light"):
            looked = browser(PHONE, scheme=scheme)
            looked.open(box.url, guide=False)
            for size in (PHONE, LAPTOP):
                looked.resize(size)
                for route, ready in ((f"#/playlist/{book}", "#continues-at:not([hidden])"), ("#/now", "#now-chapter:not([hidden])")):
                    looked.go(route)
                    looked.until(lambda d: looked.all(ready))
                    if route != "#/now":
                        looked.js("document.querySelectorAll('#track-list details').forEach((d) => { d.open = true; })")
                    time.sleep(0.3)
                    violations = axe_violations(looked, source)
                    if violations:
                        found[f"{scheme} {route} {size[0]}x{size[1]}"] = violations
        assert found == {}, found
        small = page.js("""return [...document.querySelectorAll('#continue, .chapters summary, .chapter-play')]
            .map((e) => [e.textContent.trim().slice(0, 30), Math.round(e.getBoundingClientRect().width), Math.round(e.getBoundingClientRect().height)])
            .filter(([, w, h]) => w < 44 || h < 44);""")
        assert small == []

        page.css("#continue").click()
        page.until(lambda d: player(box)["state"] == "playing")
        assert player(box)["chapter"]["index"] == 2 and player(box)["position_ms"] >= 9000
        api(box, "POST", "player/pause")
        for language, chapter, continues in (("de-DE", "Kapitel 3 von 3", "Geht weiter bei"), ("fr-FR", "Chapitre 3 sur 3", "Reprend à")):
            local = browser(PHONE, language=language)
            local.open(box.url, guide=False)
            local.go(f"#/playlist/{book}")
            local.until(lambda d: local.text("#continues-at").startswith(f"{continues} The Book · {chapter}"))
            assert local.text("#track-list .chapters summary") == ("3 Kapitel" if language == "de-DE" else "3 chapitres")
            local.css("#track-list .chapters summary").click()
            local.shot(f"{language[:2]}-chapters-playlist")
            local.go("#/now")
            local.until(lambda d: local.text("#now-chapter").startswith(chapter))
            local.shot(f"{language[:2]}-chapters-now")
        assert page.errors() == []
    finally:
        box.stop()
        shutil.rmtree(work, ignore_errors=True)



# --- The phone layout ------------------------------------------------------------------------------

def test_on_a_phone_songs_keep_one_row_titles_show_whole_and_settings_fold(daemon, library, browser):
    """Finding 8 of the family walk: at 360 px in parent mode each song is one row (its rarer edits
    behind "⋯"), a long title wraps instead of being cut, covers show on their rows, the upload area
    is above the songs; the header holds a long box name and French "Mode parent activé" on one
    line; Settings is a short list of groups to open."""
    long_title = "The Very Long Song About Everything the Little Mouse Saw on the Way Home"
    songs = api(daemon, "GET", f"playlists/{library['songs']}")["tracks"]
    api(daemon, "PATCH", f"playlists/{library['songs']}/tracks/{songs[1]['id']}", json={"title": long_title})
    page = browser(PHONE)
    page.open(daemon.url, parent=True, guide=False)
    page.go(f"#/playlist/{library['songs']}")
    page.until(lambda d: long_title in " ".join(page.texts("#track-list .track")))
    rows = page.js("""return [...document.querySelectorAll('#track-list .track')].map((row) => {
        const title = row.querySelector('.track-name strong');
        return { height: row.getBoundingClientRect().height, cut: title.scrollWidth > title.clientWidth + 1,
                 titleHeight: title.getBoundingClientRect().height, thumb: Boolean(row.querySelector('img.track-thumb')),
                 below: row.querySelector('.track-tools').getBoundingClientRect().top >= row.querySelector('.track-play').getBoundingClientRect().bottom - 1 };
      });""")
    print(rows)
    assert all(not row["cut"] for row in rows)
    assert rows[1]["titleHeight"] > 30  # wrapped onto more lines, whole
    assert not any(row["below"] for row in rows), rows  # the tools beside the song, not on a row of their own
    assert [row["thumb"] for row in rows] == [True, False]  # the Lullaby has a cover, the march none
    assert page.js("return document.getElementById('upload-slot').getBoundingClientRect().top < document.getElementById('track-list').getBoundingClientRect().top")
    # The rarer edits: behind ⋯, shown on a tap.
    more = page.css("#track-list .track:nth-child(2) .track-more summary")
    assert more.get_attribute("aria-label") == f"More for “{long_title}”"
    assert not [b for b in page.all("#track-list .track:nth-child(2) button") if b.text == "Rename"]
    more.click()
    page.until(lambda d: [b.text for b in page.all("#track-list .track:nth-child(2) .track-more-menu button") if b.is_displayed()] == ["Rename", "Move to…", "Delete"])
    page.shot("phone-playlist-parent")
    api(daemon, "PATCH", f"playlists/{library['songs']}/tracks/{songs[1]['id']}", json={"title": "Little March"})

    # A long name and French: the header stays one line.
    api(daemon, "PATCH", "settings", json={"box_name": "La boîte à musique de Mia et Léo"})
    try:
        french = browser(PHONE, language="fr-FR")
        french.open(daemon.url, parent=True, guide=False)
        french.until(lambda d: french.text(".brand") == "La boîte à musique de Mia et Léo")
        assert french.text("#parent-toggle") == "Mode parent activé"
        header = french.js("""const top = document.querySelector('.top').getBoundingClientRect();
            const toggle = document.getElementById('parent-toggle').getBoundingClientRect();
            return [top.height, toggle.height, document.documentElement.scrollWidth];""")
        assert header[0] <= 64 and header[1] <= 48 and header[2] <= PHONE[0], header
        french.shot("fr-phone-header")
        # Settings: folded groups, a short page; a tap opens one.
        french.go("#/settings")
        french.until(lambda d: french.all("#settings-form details.group"))
        time.sleep(0.5)
        height = french.js("return document.documentElement.scrollHeight")
        assert height <= 1400, height
        assert not french.css("[name=quiet_hours_start]").is_displayed()
        french.css("#group-quiet summary").click()
        french.until(lambda d: french.css("[name=quiet_hours_start]").is_displayed())
        french.shot("fr-phone-settings")
    finally:
        api(daemon, "PATCH", "settings", json={"box_name": ""})
    assert page.errors() == []


def test_the_daily_limit_is_said_on_the_page_and_a_parent_adds_minutes(media, browser):
    """Today's minutes run out while a song plays (the count seeded 2 s short of the limit): the
    song pauses, the page says why to everyone and offers parents "Add 15 minutes", which lets
    the music start again."""
    import sqlite3
    box = Daemon()
    try:
        playlist = create_playlist(box, "Limited")
        upload(box, playlist, media["lullaby"])
        api(box, "PATCH", "settings", json={"daily_limit_minutes": 1})
        box.terminate()
        today = datetime.date.today().isoformat()  # the box's own calendar day (same machine, same zone)
        with sqlite3.connect(os.path.join(box.data, "musicbox.sqlite")) as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('listening_today', ?, 0)",
                       (json.dumps({"day": today, "listened_ms": 58_000, "extra_ms": 0}),))
        box.start()
        child = browser(PHONE)
        child.open(box.url, guide=False)
        parent = browser(PHONE)
        parent.open(box.url, parent=True, guide=False)
        api(box, "POST", "player/play", json={"playlist_id": playlist})
        for page in (child, parent):
            page.until(lambda d: page.css("#limit-state").is_displayed(), timeout=20)
        assert player(box)["state"] == "paused" and player(box)["daily_limit_reached"] is True
        assert "used up" in child.text("#limit-state") and not child.all("#limit-extend")
        assert not child.css("#play-toggle").is_enabled()
        parent.shot("daily-limit")
        parent.css("#limit-extend").click()
        parent.until(lambda d: not parent.css("#limit-state").is_displayed())
        assert api(box, "GET", "player/listening")["extra_minutes"] == 15
        child.until(lambda d: child.css("#play-toggle").is_enabled())
        child.css("#play-toggle").click()
        child.until(lambda d: player(box)["state"] == "playing")
        assert child.errors() == [] and parent.errors() == []
    finally:
        box.stop()


def test_the_edges_of_fields_stand_out_in_both_themes(daemon, library, browser):
    """Non-text contrast (WCAG 1.4.11), which axe does not check: each text field's and select's
    border is at least 3:1 against what it sits on, in light and dark."""
    measure = """
      const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map((v) => v / 255)
        .map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      const behind = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
          const c = getComputedStyle(p).backgroundColor; if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') return c; }
        return getComputedStyle(document.body).backgroundColor; };
      return [...document.querySelectorAll('input:not([type=checkbox]):not([type=range]):not([type=file]), select')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => [e.name || e.id, Math.round(ratio(getComputedStyle(e).borderTopColor, behind(e)) * 100) / 100])
        .filter(([, r]) => r < 3);"""
    faint = {}
    for scheme in ("light", "dark"):
        page = browser(PHONE, scheme=scheme)
        page.open(daemon.url, parent=True, guide=False)
        for route in ("#/settings", f"#/playlist/{library['songs']}", "#/playlists"):
            page.go(route)
            if route == "#/settings":
                page.unfold()
            page.until(lambda d: page.all("input, select"))
            time.sleep(0.5)
            found = page.js(measure)
            if found:
                faint[f"{scheme} {route}"] = found
    assert faint == {}, faint


def test_axe_finds_nothing_serious_in_the_dialogs_and_the_tag_prompt(daemon, library, browser):
    """The screens' overlays: the sleep timer's choice, a confirmation, the command-tag choice and
    the prompt for an unknown tag, in light and dark on the phone."""
    source = axe_source()
    found = {}
    for scheme, size in (("light", PHONE), ("dark", PHONE), ("light", LAPTOP), ("dark", LAPTOP)):
        page = browser(size, scheme=scheme)
        scheme = f"{scheme} {size[0]}x{size[1]}"
        page.open(daemon.url, parent=True, guide=False)
        page.go("#/now")
        page.until(lambda d: page.all("#sleep"))
        page.css("#sleep").click()
        page.until(lambda d: page.all("#dialog[open]"))
        found[f"{scheme} sleep"] = axe_violations(page, source)
        page.shot(f"dialog-sleep-{scheme.split()[0]}")
        page.js("document.getElementById('dialog').close()")
        page.go(f"#/playlist/{library['songs']}")
        page.until(lambda d: page.all("#track-list .track-more"))
        page.press("#track-list .track:nth-child(1)", "Delete")
        page.until(lambda d: page.all("#dialog[open]"))
        found[f"{scheme} confirm"] = axe_violations(page, source)
        page.press("#dialog[open]", "Cancel")
        api(daemon, "POST", "dev/nfc/place", json={"tag_id": "0badcafe"})
        page.until(lambda d: page.css("#tag-prompt").is_displayed())
        found[f"{scheme} prompt"] = axe_violations(page, source)
        page.shot(f"tag-prompt-{scheme.split()[0]}")
        page.css("#make-command-tag").click()
        page.until(lambda d: page.all("#dialog[open]"))
        found[f"{scheme} command"] = axe_violations(page, source)
        page.shot(f"dialog-command-{scheme.split()[0]}")
        page.js("document.getElementById('dialog').close()")
        api(daemon, "POST", "dev/nfc/remove", json={})
    assert {k: v for k, v in found.items() if v} == {}, found
