"""Found by name: the Avahi service file the package installs announces the web UI as
`_http._tcp` ("Music Box", the default port, path /). Where Avahi can run here (root, avahi-daemon
and dbus from Debian: CI's machine), a real `avahi-browse` must find it; the file is always
checked against what the daemon serves."""
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ElementTree

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICE = os.path.join(ROOT, "systemd", "avahi", "musicboxd.service")


def default_port():
    for line in open(os.path.join(ROOT, "musicboxd.example.toml")):
        if line.startswith("#port = ") and "1883" not in line:
            return int(line.split("=")[1])
    raise AssertionError("no server port in the sample config")


def test_the_service_file_announces_the_web_ui():
    root = ElementTree.parse(SERVICE).getroot()
    assert root.tag == "service-group"
    assert root.find("name").text == "Music Box"
    services = root.findall("service")
    assert len(services) == 1
    assert services[0].find("type").text == "_http._tcp"
    assert int(services[0].find("port").text) == default_port()
    assert [t.text for t in services[0].findall("txt-record")] == ["path=/"]


def test_avahi_browse_finds_the_box():
    if os.geteuid() != 0 or not shutil.which("avahi-daemon") or not shutil.which("avahi-browse") or not shutil.which("dbus-daemon"):
        pytest.skip("needs root, avahi-daemon, avahi-utils and dbus")
    started = []
    if subprocess.run(["pgrep", "-x", "dbus-daemon"], capture_output=True).returncode != 0:
        os.makedirs("/run/dbus", exist_ok=True)
        if os.path.exists("/run/dbus/pid"):
            os.remove("/run/dbus/pid")  # left by a bus that is gone
        subprocess.run(["dbus-daemon", "--system", "--fork"], check=True)
        started.append("dbus-daemon")
    if subprocess.run(["pgrep", "-x", "avahi-daemon"], capture_output=True).returncode != 0:
        subprocess.run(["avahi-daemon", "--no-drop-root", "--no-chroot", "-D"], check=True)
        started.append("avahi-daemon")
    installed = "/etc/avahi/services/musicboxd-test.service"
    shutil.copy(SERVICE, installed)
    try:
        subprocess.run(["avahi-daemon", "--reload"], capture_output=True)
        found = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not found:
            out = subprocess.run(["avahi-browse", "-rtpk", "_http._tcp"], capture_output=True, text=True, timeout=15).stdout
            found = [line.split(";") for line in out.splitlines() if line.startswith("=") and line.split(";")[3].replace("\\032", " ") == "Music Box"]
            if not found:
                time.sleep(0.5)
        assert found, out
        resolved = found[0]
        # =;interface;protocol;name;type;domain;host;address;port;txt
        assert resolved[4] == "_http._tcp" and int(resolved[8]) == default_port(), resolved
        assert '"path=/"' in resolved[9], resolved
        assert resolved[6].endswith(".local"), resolved
    finally:
        os.remove(installed)
        subprocess.run(["avahi-daemon", "--reload"], capture_output=True)
        for name in reversed(started):
            subprocess.run(["pkill", "-x", name])
        if "dbus-daemon" in started:
            time.sleep(0.2)
            if os.path.exists("/run/dbus/pid"):
                os.remove("/run/dbus/pid")
