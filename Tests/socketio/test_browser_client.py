"""The same conformance scenarios with the official JavaScript client (socket.io.min.js 4.x)
in headless Chromium from Debian, driven by Selenium."""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

from conftest import ROOT, ServerProcess

# The official browser client ships inside this PyPI wheel; it is fetched at test time, never committed.
CLIENT_WHEEL = "nicegui==3.18.0"
CLIENT_PATH_IN_WHEEL = "nicegui/static/socket.io.min.js"
SCENARIOS = ["transport", "auth", "namespaces", "emitBothWays", "acksBothWays", "binaryBothWays",
             "roomsAndBroadcasts", "maxPayload", "reconnects"]
TRANSPORTS = ["polling", "websocket", "upgrade"]


def official_client():
    cache = os.path.join(ROOT, ".build", "socketio-browser-client")
    target = os.path.join(cache, "socket.io.min.js")
    if not os.path.exists(target):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", cache, CLIENT_WHEEL], check=True)
        wheel = next(name for name in os.listdir(cache) if name.endswith(".whl"))
        with zipfile.ZipFile(os.path.join(cache, wheel)) as archive, open(target, "wb") as out:
            out.write(archive.read(CLIENT_PATH_IN_WHEEL))
    with open(target, encoding="utf-8") as script:
        header = script.read(200)
    assert "Socket.IO v4." in header, header
    return target


@pytest.fixture(scope="module")
def browser_results():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromium-driver (Debian) are needed: `make deps` installs them")
    site = tempfile.mkdtemp(prefix="socketio-browser-")
    shutil.copy(os.path.join(os.path.dirname(__file__), "browser", "conformance.html"), site)
    shutil.copy(official_client(), site)
    server = ServerProcess("--rate", "0", "--static", site)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium fetch a driver
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(f"{server.url}/conformance.html")
        WebDriverWait(driver, 240, poll_frequency=0.2).until(lambda d: d.execute_script("return window.__done === true"))
        scenarios = driver.execute_script("return window.__scenarios")
        assert scenarios == SCENARIOS, scenarios
        yield driver.execute_script("return window.__results")
    finally:
        driver.quit()
        server.stop()
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_official_browser_client(browser_results, scenario, transport):
    result = browser_results.get(f"{scenario}[{transport}]")
    assert result == "ok", result
