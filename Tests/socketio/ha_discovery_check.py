"""Home Assistant's own MQTT discovery schemas (the `homeassistant` package from PyPI, in a
virtual environment of its own: `make ha-venv`) applied to discovery configs.

Reads {topic: payload} as JSON on stdin, writes {topic: "ok" | the schema's error} on stdout.
A key the schema does not know is an error too.
Each payload goes through what Home Assistant's discovery does before building an entity: the
topic's component picks the platform, and that platform's DISCOVERY_SCHEMA validates the JSON."""
import importlib
import json
import sys

# Home Assistant's own start-up imports its helpers before any integration; importing an
# integration's platform first runs into a circular import.
import homeassistant.helpers.entity_platform  # noqa: F401
from homeassistant.components.mqtt.discovery import ABBREVIATIONS, DEVICE_ABBREVIATIONS


def expand(config):
    """Home Assistant's abbreviations, as its discovery expands them (ours uses none: a no-op
    unless a key is one)."""
    config = {ABBREVIATIONS.get(key, key): value for key, value in config.items()}
    if isinstance(config.get("device"), dict):
        config["device"] = {DEVICE_ABBREVIATIONS.get(key, key): value for key, value in config["device"].items()}
    return config


def main():
    configs = json.load(sys.stdin)
    answers = {}
    for topic, payload in configs.items():
        component = topic.split("/")[1]
        try:
            platform = importlib.import_module(f"homeassistant.components.mqtt.{component}")
            config = expand(json.loads(payload))
            valid = platform.DISCOVERY_SCHEMA(config)
            # The schemas drop keys they do not know (REMOVE_EXTRA): a misspelt optional key
            # would pass unseen, so one dropped is an error here.
            dropped = sorted(set(config) - set(valid))
            answers[topic] = f"keys Home Assistant does not know: {dropped}" if dropped else "ok"
        except Exception as error:  # the schema's own words, for the test to show
            answers[topic] = f"{type(error).__name__}: {error}"
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
