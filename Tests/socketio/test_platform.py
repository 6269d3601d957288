"""Which C libraries the binary under test runs with, and that they are the ones of the system it
was built on: Debian 12 (bookworm) has libgpiod 1.6 (v1 API) and FFmpeg 5.1, Debian 13 (trixie)
libgpiod 2.x (v2 API) and FFmpeg 7.1. CI's trixie stage relies on this to show it tested v2."""
import subprocess

import pytest

from daemon import Daemon

EXPECTED = {
    "bookworm": {"libgpiod": ("libgpiod 1.", "(v1 API)"), "FFmpeg": ("FFmpeg 5.1.",)},
    "trixie": {"libgpiod": ("libgpiod 2.", "(v2 API)"), "FFmpeg": ("FFmpeg 7.1.",)},
}


def codename():
    with open("/etc/os-release") as release:
        fields = dict(line.rstrip("\n").split("=", 1) for line in release if "=" in line)
    return fields.get("VERSION_CODENAME", "").strip('"')


def test_the_binary_runs_with_the_libraries_of_its_debian_release():
    libraries = subprocess.run([Daemon.binary_path(), "libraries"], check=True, capture_output=True, text=True).stdout.splitlines()
    print(f"{codename()}: " + "; ".join(libraries))
    assert [line.split()[0] for line in libraries] == ["libgpiod", "FFmpeg", "alsa-lib", "libnfc", "SQLite"]
    expected = EXPECTED.get(codename())
    if expected is None:
        pytest.skip(f"no expectations for {codename()!r}")
    for name, parts in expected.items():
        line = next(line for line in libraries if line.startswith(name + " "))
        assert line.startswith(parts[0]) and all(part in line for part in parts[1:]), line
