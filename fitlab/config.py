"""Everything Fit Lab reads from its environment, each variable parsed here alone, with its
default and meaning in `VARIABLES`; and the timings the pool and the pages keep to.

Each variable is read when it is used rather than when this module is imported: the tests
set `FITLAB_WORKER_COMMAND`, `FITLAB_STORE` or `FITLAB_RAY_ADDRESS` after Fit Lab has been
imported, and a worker started later must see them. A value that cannot be used raises
ConfigError, whose message names the variable, what it takes and what it got.

Not read here: Streamlit's `server.disconnectedSessionTTL`, which is Streamlit's own option
(`.streamlit/config.toml`); `ui/state.py` hands it to the pool as the grace before a
learner's runs are stopped (`fitlab.sessions.GRACE_SECONDS` is its default). The variables
`fitlab.devices.prepare_environment` sets for TensorFlow and JAX are written, not read.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import shlex

# How often the server looks again at work under way: the pool at a worker's events (and
# then at the run's limits and Stop), the data page at a reading's progress.
POLL_SECONDS = 0.25
# How often the Train page redraws a run in progress: each redraw shows the batches since.
REDRAW_SECONDS = 0.5
# The Evaluate page's scores change once an epoch: a slower redraw costs the server less.
EVALUATE_REDRAW_SECONDS = 1.0
# The longest a run may train on a shared server, so that nobody holds a trainer for an hour:
# the lesson's runs take seconds to a few minutes.
MAX_RUN_MINUTES = 20.0

VARIABLES = {
    "FITLAB_WORKERS": "how many runs train at once, a whole number from 1. Default: from "
                      "the machine's cores and memory (fitlab.devices.worker_count); on a "
                      "Ray cluster, as many trainers as it holds, growing with it",
    "FITLAB_MAX_RUN_MINUTES": f"the longest a run may train, in minutes; 0 for no limit. "
                              f"Default: {MAX_RUN_MINUTES:g}",
    "FITLAB_WORKER_COMMAND": "the command a trainer runs, split as a shell would, in place "
                             "of `python -m fitlab.worker`; read when each worker starts. "
                             "The tests' fast tier puts a stand-in without Keras there",
    "FITLAB_STORE": "the run store's folder. Default: fitlab/store under XDG_CACHE_HOME, "
                    "else ~/.cache",
    "XDG_CACHE_HOME": "where the run store goes when FITLAB_STORE is not set",
    "FITLAB_DATABASE_URL": "the database of the run store and the class, for servers that "
                           "share one: postgresql://user:password@host:5432/name (or "
                           "sqlite:///path). Default: runs.sqlite in the run store's folder",
    "FITLAB_INSTRUCTOR_KEY": "the instructor key of the class `python -m fitlab class open` "
                             "opens, for a key known before the day. Default: a new random "
                             "key each time",
    "FITLAB_DATA_DIR": "the folder of an instructor's .npz files and photo folders. "
                       "Default: ./data",
    "FITLAB_MIRROR": "a web address serving copies of the downloaded data sets' files, "
                     "for a room with a slow network. Default: none, their homes online",
    "FITLAB_RAY_ADDRESS": "a Ray cluster's address (head:6379, or auto): every run trains "
                          "there. Default: none, this machine's own workers",
    "FITLAB_RAY_CPUS": "CPUs each trainer asks of a Ray cluster. Default: 2",
    "FITLAB_RAY_GPUS": "the share of a GPU each trainer asks of a Ray cluster that has GPUs. "
                       "Default: 0.25",
    "KERAS_BACKEND": "Keras' backend, read as Keras reads it (else keras.json, else "
                     "tensorflow), and passed on to Ray trainers",
    "KERAS_HOME": "Keras' folder: its keras.json, its downloads, Fit Lab's compiled steps. "
                  "Default: ~/.keras, else /tmp/.keras where the home cannot be written",
}
# What a Ray trainer gets of the server's environment, so that a run trains as the server
# would have it train, wherever it trains.
PASSED_TO_TRAINERS = ("KERAS_BACKEND", "FITLAB_MIRROR")


class ConfigError(ValueError):
    """An environment variable set to what Fit Lab cannot use; the message says which."""


def _text(name: str) -> str:
    """The variable's value; an empty one counts as not set."""
    return os.environ.get(name, "").strip()


def workers() -> int | None:
    """FITLAB_WORKERS, None when not set (the pool then sizes itself)."""
    configured = _text("FITLAB_WORKERS")
    if not configured:
        return None
    if not configured.isdigit() or int(configured) < 1:
        raise ConfigError(f"FITLAB_WORKERS must be a whole number from 1, not {configured!r}.")
    return int(configured)


def max_run_seconds() -> float | None:
    """FITLAB_MAX_RUN_MINUTES in seconds; None for no limit."""
    configured = _text("FITLAB_MAX_RUN_MINUTES")
    try:
        minutes = float(configured) if configured else MAX_RUN_MINUTES
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes < math.inf:
        raise ConfigError("FITLAB_MAX_RUN_MINUTES must be a number of minutes from 0 (no "
                          f"limit), not {configured!r}.")
    return minutes * 60 or None


def worker_command() -> list[str] | None:
    """FITLAB_WORKER_COMMAND as a command's words, None when not set."""
    configured = _text("FITLAB_WORKER_COMMAND")
    if not configured:
        return None
    try:
        return shlex.split(configured)
    except ValueError as error:  # an unclosed quote
        raise ConfigError(f"FITLAB_WORKER_COMMAND cannot be split into a command ({error}): "
                          f"{configured!r}.") from None


def store_folder() -> pathlib.Path:
    configured = _text("FITLAB_STORE")
    if configured:
        return pathlib.Path(configured).expanduser()
    cache = _text("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(cache) / "fitlab" / "store"


def database_url() -> str | None:
    """FITLAB_DATABASE_URL as SQLAlchemy takes it (PostgreSQL through psycopg), None when not
    set: the store then keeps its SQLite file in its folder (fitlab.database)."""
    configured = _text("FITLAB_DATABASE_URL")
    if not configured:
        return None
    from sqlalchemy.engine import make_url  # the engine's own reading of an address
    from sqlalchemy.exc import ArgumentError

    takes = ("FITLAB_DATABASE_URL must be a PostgreSQL address, "
             "postgresql://user:password@host:5432/name, or sqlite:///path, not "
             f"{without_password(configured)!r}")
    try:
        url = make_url(configured)
    except ArgumentError:
        raise ConfigError(f"{takes}.") from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        # psycopg (3) is what requirements.txt installs; SQLAlchemy's default is psycopg2
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite" and driver in ("", "pysqlite") and url.database:
        return url.render_as_string(hide_password=False)
    raise ConfigError(f"{takes}: Fit Lab speaks to PostgreSQL (through psycopg) and SQLite.")


def without_password(text: str) -> str:
    """A database address, or a message that may quote one, with its password hidden."""
    return re.sub(r"((?:://|^|\s|')[^:/@\s']*:)[^@\s/]*@", r"\1***@", text)


def instructor_key() -> str | None:
    """FITLAB_INSTRUCTOR_KEY, None when not set; a key so short that it could be guessed is
    refused."""
    configured = _text("FITLAB_INSTRUCTOR_KEY")
    if configured and len(configured) < 12:
        raise ConfigError("FITLAB_INSTRUCTOR_KEY must be at least 12 characters long, so "
                          "that nobody guesses it, not one of "
                          f"{len(configured)}.")
    return configured or None


def data_dir() -> pathlib.Path:
    return pathlib.Path(_text("FITLAB_DATA_DIR") or "data").expanduser()


def mirror() -> str:
    """FITLAB_MIRROR without its trailing slash, "" when not set."""
    return _text("FITLAB_MIRROR").rstrip("/")


def ray_address() -> str | None:
    """FITLAB_RAY_ADDRESS, None when runs train in this machine's own workers."""
    return _text("FITLAB_RAY_ADDRESS") or None


def ray_resource(name: str, default: float) -> float:
    """FITLAB_RAY_CPUS or FITLAB_RAY_GPUS, else `default`."""
    text = _text(name)
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not 0 <= value < math.inf:
        raise ConfigError(f"{name} must be a number of {name[-4:].lower()} from 0, "
                          f"not {text!r}.")
    return value


def keras_backend() -> str:
    """KERAS_BACKEND, "" when not set (Keras then reads keras.json: fitlab.devices)."""
    return _text("KERAS_BACKEND")


def keras_home() -> pathlib.Path:
    """Where Keras keeps its configuration and its downloads: KERAS_HOME, else ~/.keras,
    else /tmp/.keras where the home folder cannot be written (as Keras decides)."""
    if "KERAS_HOME" in os.environ:
        return pathlib.Path(os.environ["KERAS_HOME"])
    base = pathlib.Path("~").expanduser()
    return (base if os.access(base, os.W_OK) else pathlib.Path("/tmp")) / ".keras"


def passed_to_trainers() -> dict[str, str]:
    return {name: os.environ[name] for name in PASSED_TO_TRAINERS if name in os.environ}
