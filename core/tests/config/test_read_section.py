"""read_section: a plugin's own operator-config section back as the values its keys' checks return."""

from __future__ import annotations

import pytest

from pyknative.config import Key, parse_config, parse_duration, parse_int, read_section
from pyknative.errors import ConfigError

KEYS = {
    "window": Key("300s", parse_duration),
    "workers": Key("4", parse_int),
    "name": "plain",  # a bare default: no check, the string comes back
}
SCHEMA = {"config-example": KEYS}


def test_the_loaded_values_come_back_typed():
    config = parse_config({"config-example": {"window": "90s", "workers": "8"}}, extra_schema=SCHEMA)
    assert read_section(config, "config-example", KEYS) == {"window": 90.0, "workers": 8, "name": "plain"}


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(None, id="no-config"),
        pytest.param(parse_config(None), id="config-without-the-section"),
        pytest.param(parse_config(None, extra_schema=SCHEMA), id="section-with-defaults"),
    ],
)
def test_defaults_without_a_value(config):
    assert read_section(config, "config-example", KEYS) == {"window": 300.0, "workers": 4, "name": "plain"}


def test_a_value_its_check_refuses_names_every_key():
    class Unchecked:  # a config not loaded with the plugin's schema
        sections = {"config-example": {"window": "soon", "workers": "many"}}

    with pytest.raises(ConfigError) as e:
        read_section(Unchecked(), "config-example", KEYS)
    assert [err.path for err in e.value.errors] == ["config-example.window", "config-example.workers"]
