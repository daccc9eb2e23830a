"""What Fit Lab reads from its environment: each variable's default, and a bad value named in
a sentence an instructor can act on (fitlab/config.py)."""

from __future__ import annotations

import pathlib

import pytest

from fitlab import config


def test_an_unset_or_empty_variable_takes_its_default(monkeypatch):
    for name in config.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FITLAB_WORKERS", "  ")
    assert config.workers() is None  # the pool then sizes itself from the machine
    assert config.max_run_seconds() == config.MAX_RUN_MINUTES * 60
    assert config.worker_command() is None
    assert config.data_dir() == pathlib.Path("data")
    assert config.mirror() == "" and config.ray_address() is None
    assert config.ray_resource("FITLAB_RAY_CPUS", 2.0) == 2.0


@pytest.mark.parametrize("name, value, words", [
    ("FITLAB_WORKERS", "0", "FITLAB_WORKERS must be a whole number from 1, not '0'."),
    ("FITLAB_WORKERS", "four", "FITLAB_WORKERS must be a whole number from 1, not 'four'."),
    ("FITLAB_MAX_RUN_MINUTES", "-5", "FITLAB_MAX_RUN_MINUTES must be a number of minutes"),
    ("FITLAB_RAY_CPUS", "lots", "FITLAB_RAY_CPUS must be a number of cpus from 0, not 'lots'."),
    ("FITLAB_WORKER_COMMAND", "python -c 'unclosed",
     "FITLAB_WORKER_COMMAND cannot be split into a command"),
])
def test_a_bad_value_is_named_with_what_the_variable_takes(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    readers = {"FITLAB_WORKERS": config.workers,
               "FITLAB_MAX_RUN_MINUTES": config.max_run_seconds,
               "FITLAB_WORKER_COMMAND": config.worker_command,
               "FITLAB_RAY_CPUS": lambda: config.ray_resource(name, 2.0)}
    with pytest.raises(config.ConfigError) as raised:
        readers[name]()
    assert words in str(raised.value)


def test_a_variable_set_after_import_is_seen_when_it_is_read(monkeypatch):
    # The tests' fast tier sets FITLAB_WORKER_COMMAND after Fit Lab is imported; the next
    # worker started must run it.
    monkeypatch.setenv("FITLAB_WORKER_COMMAND", "python -m 'a stand-in' --fast")
    assert config.worker_command() == ["python", "-m", "a stand-in", "--fast"]
    monkeypatch.setenv("FITLAB_WORKERS", "3")
    assert config.workers() == 3
