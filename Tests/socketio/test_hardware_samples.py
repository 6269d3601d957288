"""The sample files in hardware/ are what they claim: each asound.conf parses with ALSA's own
parser and defines the `musicbox` PCM (over `musicbox_mix`, a dmix); each libnfc.conf names a
connection string of the form the daemon's `nfc.device` takes; each pin map loads as config."""
import glob
import os
import re
import subprocess
import tempfile

import pytest

from conftest import ROOT

HARDWARE = os.path.join(ROOT, "hardware")


@pytest.mark.parametrize("sample", sorted(glob.glob(os.path.join(HARDWARE, "alsa", "*.asound.conf"))), ids=os.path.basename)
def test_asound_samples_parse_and_define_the_musicbox_pcm(sample):
    home = tempfile.mkdtemp(prefix="asound-")
    with open(sample) as source, open(os.path.join(home, ".asoundrc"), "w") as target:
        text = source.read()
        target.write(text)
    listing = subprocess.run(["aplay", "-L"], capture_output=True, text=True, env=dict(os.environ, HOME=home))
    assert "ALSA lib" not in listing.stderr, listing.stderr
    names = listing.stdout.split("\n")
    assert "musicbox" in names and "musicbox_mix" in names
    assert re.search(r"type dmix", text) and re.search(r'pcm "hw:CARD=\w+,DEV=0"', text)
    # ...and a broken copy is caught the same way.
    with open(os.path.join(home, ".asoundrc"), "w") as target:
        target.write(text.replace("type dmix", "type dmix {"))
    broken = subprocess.run(["aplay", "-L"], capture_output=True, text=True, env=dict(os.environ, HOME=home))
    assert "ALSA lib" in broken.stderr


@pytest.mark.parametrize("sample", sorted(glob.glob(os.path.join(HARDWARE, "libnfc", "*.conf"))), ids=os.path.basename)
def test_libnfc_samples_name_a_pn532_connection(sample):
    with open(sample) as handle:
        text = handle.read()
    match = re.search(r'^device\.connstring = "(pn532_(uart|i2c|spi):/dev/[\w.-]+)(:\d+)?"$', text, re.MULTILINE)
    assert match, text
    # The file's name says the interface; the daemon's README names the same string for nfc.device.
    assert os.path.basename(sample) == f"pn532-{match.group(2)}.conf"
    assert match.group(1) in open(os.path.join(HARDWARE, "README.md")).read() + open(os.path.join(ROOT, "README.md")).read() \
        or match.group(1).replace("/dev/serial0", "/dev/ttyS0") in open(os.path.join(HARDWARE, "README.md")).read()


@pytest.mark.parametrize("sample", sorted(glob.glob(os.path.join(HARDWARE, "*.toml"))), ids=os.path.basename)
def test_pin_maps_load_as_configuration(sample):
    binary = os.environ.get("MUSICBOXD_BINARY") or os.path.join(ROOT, ".build", "debug", "musicboxd")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICBOXD_")}
    check = subprocess.run([binary, "config", "check", "--config", sample], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stderr
