"""`make install-files` into a staging folder: every file where the unit and the binary expect it,
and the installed binary serves its web UI from `<prefix>/share/musicboxd/web`. `make uninstall`
removes it all but the configuration."""
import os
import re
import shutil
import subprocess
import tempfile
import time

import requests

from conftest import ROOT


def make(target, destdir, bin_dir):
    return subprocess.run(["make", "--no-print-directory", "-C", ROOT, target, f"DESTDIR={destdir}", f"BIN_DIR={bin_dir}"],
                          capture_output=True, text=True, timeout=120)


def test_install_files_then_uninstall():
    bin_dir = os.path.dirname(os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd"))
    stage = tempfile.mkdtemp(prefix="musicboxd-install-")
    result = make("install-files", stage, bin_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    binary = os.path.join(stage, "usr/local/bin/musicboxd")
    unit = os.path.join(stage, "etc/systemd/system/musicboxd.service")
    config = os.path.join(stage, "etc/musicboxd/musicboxd.toml")
    shutdown_units = [os.path.join(stage, "etc/systemd/system", name) for name in ("musicboxd-shutdown.path", "musicboxd-shutdown.service")]
    for path in (binary, unit, config, *shutdown_units, os.path.join(stage, "usr/local/share/musicboxd/web/index.html"),
                 os.path.join(stage, "usr/local/share/musicboxd/web/js/app.js"),
                 os.path.join(stage, "usr/local/share/musicboxd/hardware/README.md"),
                 os.path.join(stage, "usr/local/share/doc/musicboxd/README.md")):
        assert os.path.exists(path), path
    assert os.access(binary, os.X_OK)
    with open(unit) as handle:
        assert re.search(r"^ExecStart=/usr/local/bin/musicboxd run ", handle.read(), re.MULTILINE)
    # The installed config is valid for the installed binary.
    check = subprocess.run([binary, "config", "check", "--config", config], capture_output=True, text=True,
                           env={k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")})
    assert check.returncode == 0, check.stderr

    # The installed binary finds its web UI under <prefix>/share/musicboxd/web (no build folder beside it).
    data = tempfile.mkdtemp(prefix="musicboxd-installed-")
    proc = subprocess.Popen([binary, "run", "--hardware", "sim", "--host", "127.0.0.1", "--port", "0", "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")})
    try:
        deadline = time.time() + 30
        port = None
        while port is None and time.time() < deadline:
            match = re.search(r"ready on port (\d+)", proc.stderr.readline())
            port = match and match.group(1)
        assert port, "the installed binary did not start"
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and '<script type="module" src="js/app.js">' in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)

    # A second install keeps an edited configuration.
    with open(config, "a") as handle:
        handle.write("\n# edited by a parent\n")
    again = make("install-files", stage, bin_dir)
    assert again.returncode == 0 and "keeping" in again.stdout
    with open(config) as handle:
        assert "edited by a parent" in handle.read()

    gone = make("uninstall", stage, bin_dir)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert not any(os.path.exists(path) for path in shutdown_units)
    assert not os.path.exists(binary) and not os.path.exists(unit) and not os.path.exists(os.path.join(stage, "usr/local/share/musicboxd"))
    assert os.path.exists(config)
    shutil.rmtree(stage, ignore_errors=True)


TEST_ONLY = ("chromium", "chromium-driver", "pulseaudio", "pulseaudio-utils", "ffmpeg", "python3-venv", "libasound2-plugins")


def test_make_run_and_make_install_never_install_a_browser_or_a_sound_server():
    # What `make deps` would install (make run and make install depend on it alone) against what
    # `make test-deps` adds; then the dry runs of both targets, which must not reach test-deps.
    listed = subprocess.run(["make", "--no-print-directory", "-s", "-C", ROOT, "print-deps"], capture_output=True, text=True,
                            check=True).stdout
    lists = dict(line.split(": ", 1) for line in listed.strip().splitlines())
    deps, test_deps = lists["deps"].split(), lists["test-deps"].split()
    print(f"make deps: {' '.join(deps)}")
    assert not set(TEST_ONLY) & set(deps), deps
    assert set(TEST_ONLY) <= set(test_deps), test_deps
    assert {"libgpiod-dev", "libasound2-dev", "libnfc-dev", "libsqlite3-dev"} <= set(deps)
    for target in ("run", "install"):
        dry = subprocess.run(["make", "--no-print-directory", "-n", "-C", ROOT, target], capture_output=True, text=True).stdout
        for package in ("chromium", "pulseaudio"):
            assert package not in dry, f"make {target} would install {package}"
