"""The Debian package (`make deb`), installed for real: lintian finds no error, apt installs it
with its dependencies, the unit verifies, the installed binary starts as the package's user and
serves its web UI and API; an upgrade keeps the library and the settings; remove keeps the
data, purge deletes it.

It installs into the system it runs on, so it runs only where CI's trixie stage asks for it
(MUSICBOXD_DEB and MUSICBOXD_DEB_NEWER name the two builds), inside the debootstrapped root."""
import os
import re
import signal
import subprocess
import time

import pytest
import requests

OLD = os.environ.get("MUSICBOXD_DEB")
NEW = os.environ.get("MUSICBOXD_DEB_NEWER")
pytestmark = pytest.mark.skipif(not (OLD and NEW), reason="installs a package into this system: only in CI's trixie root (.ci/trixie)")


def run(*command, check=True):
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def installed_version():
    result = run("dpkg-query", "-W", "-f=${Status} ${Version}", "musicboxd", check=False)
    return result.stdout if result.returncode == 0 else ""


class Installed:
    """The installed binary, run as the package's user the way the unit runs it (no systemd here)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=musicboxd", "--regid=musicboxd", "--init-groups", "/usr/bin/musicboxd", "run",
             "--config", "/etc/musicboxd/musicboxd.toml", "--data-dir", "/var/lib/musicboxd", "--port", "0",
             "--host", "127.0.0.1", "--hardware", "sim"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": "/var/lib/musicboxd", "MUSICBOXD_AUDIO_FEEDBACK_SOUNDS": "off"})
        deadline = time.time() + 30
        while time.time() < deadline:
            match = re.search(r"ready on port (\d+)", self.proc.stderr.readline() or "")
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return
            if self.proc.poll() is not None:
                break
        raise AssertionError(f"the installed musicboxd did not start: {self.proc.stderr.read()}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)


def test_lintian_finds_no_error():
    result = run("lintian", "--fail-on", "error", "--tag-display-limit", "0", OLD, check=False)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in result.stdout.splitlines() if line.startswith("E: ")]


def test_install_upgrade_remove_purge():
    run("apt-get", "purge", "-y", "-qq", "musicboxd", check=False)
    # Install: apt pulls the libraries dpkg-shlibdeps named.
    run("apt-get", "install", "-y", "-qq", OLD)
    assert installed_version().startswith("install ok installed")
    for path in ("/usr/bin/musicboxd", "/usr/share/musicboxd/web/index.html", "/usr/share/musicboxd/hardware/README.md",
                 "/usr/lib/systemd/system/musicboxd.service", "/usr/lib/systemd/system/musicboxd-shutdown.path",
                 "/usr/lib/sysusers.d/musicboxd.conf", "/usr/share/doc/musicboxd/copyright", "/etc/musicboxd/musicboxd.toml"):
        assert os.path.exists(path), path
    with open("/usr/lib/systemd/system/musicboxd.service") as unit:
        assert re.search(r"^ExecStart=/usr/bin/musicboxd run ", unit.read(), re.M)
    assert run("getent", "passwd", "musicboxd").stdout.split(":")[5] == "/var/lib/musicboxd"
    groups = run("id", "-nG", "musicboxd").stdout.split()
    assert {"audio", "gpio", "i2c", "spi", "dialout"} <= set(groups), groups
    # Enabled on first install (the symlink systemd would follow at boot).
    assert os.path.islink("/etc/systemd/system/multi-user.target.wants/musicboxd.service")
    verify = run("systemd-analyze", "verify", "/usr/lib/systemd/system/musicboxd.service", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # The Swift runtime is inside: nothing of a toolchain is needed.
    assert "libswiftCore" not in run("ldd", "/usr/bin/musicboxd").stdout

    box = Installed()
    try:
        assert requests.get(box.url + "/api/health", timeout=5).json()["data"]["status"] in ("healthy", "degraded")
        assert "<html" in requests.get(box.url + "/", timeout=5).text.lower()
        created = requests.post(box.url + "/api/playlists", json={"title": "Kept across upgrades"}, timeout=5)
        assert created.status_code == 201
        assert requests.patch(box.url + "/api/settings", json={"max_volume": 63}, timeout=5).status_code == 200
    finally:
        box.stop()
    # A parent's edit of the configuration survives the upgrade (a conffile).
    with open("/etc/musicboxd/musicboxd.toml", "a") as config:
        config.write("\n# edited by a parent\n")

    # Upgrade to a newer build: same library, same settings, the edited configuration kept.
    run("apt-get", "install", "-y", "-qq", "-o", "Dpkg::Options::=--force-confold", NEW)
    assert installed_version().split()[-1] == re.search(r"musicboxd_([^_]+)_", os.path.basename(NEW)).group(1)
    assert "# edited by a parent" in open("/etc/musicboxd/musicboxd.toml").read()
    box = Installed()
    try:
        titles = [p["title"] for p in requests.get(box.url + "/api/playlists", timeout=5).json()["data"]["playlists"]]
        assert "Kept across upgrades" in titles
        assert requests.get(box.url + "/api/settings", timeout=5).json()["data"]["max_volume"] == 63
    finally:
        box.stop()

    # Remove: the program goes, the library and the configuration stay.
    run("apt-get", "remove", "-y", "-qq", "musicboxd")
    assert not os.path.exists("/usr/bin/musicboxd")
    assert os.path.exists("/var/lib/musicboxd/musicbox.sqlite")
    assert os.path.exists("/etc/musicboxd/musicboxd.toml")
    # Purge: all of it.
    run("apt-get", "purge", "-y", "-qq", "musicboxd")
    assert not os.path.exists("/var/lib/musicboxd")
    assert not os.path.exists("/etc/musicboxd/musicboxd.toml")
    assert installed_version() == "" or "not-installed" in installed_version()
