"""Shared fixtures: small real data sets, written as the files users would give Fit Lab;
which workers train (the fast tier's stand-in, or real Keras ones)."""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import os
import pathlib
import shlex
import shutil
import sys
import tempfile
import zipfile

import fake_worker
import numpy as np
import pytest
from PIL import Image
from remote_files import FILES, serve

from fitlab import devices, downloads, shapes

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Page tests keep learners' runs where the app would: in a run store, here a fresh one.
os.environ["FITLAB_STORE"] = tempfile.mkdtemp(prefix="fitlab-test-store-")
atexit.register(shutil.rmtree, os.environ["FITLAB_STORE"], ignore_errors=True)
# A developer's own database never receives the tests' learners: the tests that want one
# set it (store_database).
os.environ.pop("FITLAB_DATABASE_URL", None)
CIFAR_SUBSET = ROOT.parent / "shared" / "data" / "cifar10-subset.npz"
# The tiers whose tests train with real Keras workers (pytest.ini names them all).
REAL_WORKER_TIERS = ("keras", "app", "browser", "ray", "claims")


# Modules whose every test is in the tiers named (a module-level pytestmark): where -m leaves
# those tiers out, they are not even imported, since importing them imports Keras (4 s).
MODULES_OF_SLOW_TIERS = {
    "test_training.py": {"keras", "backend"},
    "test_backends.py": {"keras"},
}


def pytest_ignore_collect(collection_path, config):
    marks = MODULES_OF_SLOW_TIERS.get(collection_path.name)
    if not marks or not config.getoption("markexpr"):
        return None
    try:  # pytest's own reading of -m, as it deselects (private, hence the fallback)
        from _pytest.mark.expression import Expression

        chosen = Expression.compile(config.getoption("markexpr")).evaluate(
            lambda name, **_: name in marks)
    except Exception:  # collect it, and let -m deselect it as usual
        return None
    return True if not chosen else None


_pool_kind: list[str] = []  # which workers the AppTests' shared pool has, once they start one


@pytest.fixture(autouse=True)
def workers(request, monkeypatch):
    """Fast-tier tests train on the stand-in worker (tests/fake_worker.py): training is
    replaced because it is slow. Tests in a tier with real workers get `python -m
    fitlab.worker`. AppTests share one pool per process (st.cache_resource), so when the
    kind changes between tests the cached pool is closed, and the next page starts its own."""
    real = any(request.node.get_closest_marker(tier) for tier in REAL_WORKER_TIERS)
    if real:
        monkeypatch.delenv("FITLAB_WORKER_COMMAND", raising=False)
    else:
        monkeypatch.setenv("FITLAB_WORKER_COMMAND", shlex.join(fake_worker.command()))
    kind = "real" if real else "fake"
    if _pool_kind and _pool_kind[-1] != kind:
        _close_the_pages_pool()
    keras_before = "keras" in sys.modules
    yield
    if not real and not keras_before and "keras" in sys.modules:
        pytest.fail("this test imported Keras (4 s) in the fast tier: mark it keras")
    if _runs_pages(request.module):  # the pool it started is cached with this kind of worker
        _pool_kind[:] = [kind]


@functools.cache
def _runs_pages(module) -> bool:
    return "AppTest" in pathlib.Path(module.__file__).read_text()


@pytest.fixture(autouse=True)
def explorer_plays_without_pausing(monkeypatch):
    """The explorer's Play pauses between frames for the eye; a test has no eye, so its
    frames are drawn without the pause (slow, and nothing a test checks)."""
    from ui import explorer_view

    monkeypatch.setattr(explorer_view, "PLAY_SECONDS_PER_STEP", 0.0)


def _close_the_pages_pool() -> None:
    state = sys.modules["ui.state"]
    state.training_pool().close()  # the cached pool: AppTests run in this process
    state.training_pool.clear()
    _pool_kind.clear()


@pytest.fixture(scope="session")
def cifar_subset() -> pathlib.Path:
    """Real CIFAR-10 photographs, present beside the project on development machines and CI."""
    if not CIFAR_SUBSET.exists():
        pytest.skip("../shared/data/cifar10-subset.npz is not on this machine")
    return CIFAR_SUBSET


@pytest.fixture(scope="session")
def cpu_device() -> str:
    """The device a run names on this machine's CPU: the status line gives the backend too."""
    return {"tensorflow": "CPU (TensorFlow)", "jax": "CPU (JAX)",
            "torch": "CPU (PyTorch)"}[devices.configured_backend()]


@pytest.fixture(scope="session")
def small_npz(tmp_path_factory) -> pathlib.Path:
    """An .npz in Keras' layout, 240 + 60 Shapes pictures, labels shaped (N, 1) as Keras ships."""
    (x_train, y_train), (x_test, y_test) = shapes.shapes(seed=3, train_size=240, test_size=60)
    path = tmp_path_factory.mktemp("npz") / "small-shapes.npz"
    np.savez(path, x_train=x_train, y_train=y_train[:, None], x_test=x_test,
             y_test=y_test[:, None])
    return path


@pytest.fixture(scope="session")
def tiny_photos() -> bytes:
    """The issue's zip: one-pixel PNGs in two class folders, 125,000 of them in 20 MB; read
    to the end they became a 384 MB array after 14 s and 1.3 GB of memory. Made once, for
    the engine's test and the page's."""
    tiny = io.BytesIO()
    Image.new("RGB", (1, 1), (1, 2, 3)).save(tiny, "PNG")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(125_000):
            archive.writestr(f"{'ab'[n % 2]}/{n:x}.png", tiny.getvalue())
    return buffer.getvalue()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local stand-in for the internet, an empty Keras cache, and the real checksums
    swapped for those of the stand-in files."""
    with serve(FILES) as (url, requests):
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        monkeypatch.setenv("FITLAB_MIRROR", url)
        _use_checksums_of_the_stand_ins(monkeypatch)
        yield requests


def _use_checksums_of_the_stand_ins(monkeypatch):
    for name, remotes in downloads.REMOTES.items():
        monkeypatch.setitem(downloads.REMOTES, name, [
            downloads.Remote(remote.url, remote.cache_path, remote.sha256 and hashlib.sha256(
                FILES[remote.url.rsplit("/", 1)[1]]).hexdigest(), remote.megabytes)
            for remote in remotes])


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this session's own on the PostgreSQL server that
    FITLAB_TEST_DATABASE_URL names (scripts/postgres.sh starts one; scripts/test.sh calls
    it), dropped at the end. Unset, the test is skipped, but not in CI nor under
    scripts/test.sh, which sets it even when the server failed to start: there it fails."""
    import sqlalchemy

    given = os.environ.get("FITLAB_TEST_DATABASE_URL")
    if not given:
        why = ("FITLAB_TEST_DATABASE_URL is not set: start PostgreSQL with "
               "`export FITLAB_TEST_DATABASE_URL=$(bash scripts/postgres.sh)`")
        if given is not None or os.environ.get("CI"):
            pytest.fail(f"{why}; in CI it must be (scripts/test.sh starts it)")
        pytest.skip(why)
    server = sqlalchemy.engine.make_url(given).set(drivername="postgresql+psycopg")
    name = f"fitlab_test_{os.getpid()}_{os.urandom(3).hex()}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        db.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as db:  # WITH (FORCE): the engines of this process let go
            db.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_database(request, monkeypatch, tmp_path):
    """The run store's database, once SQLite in the store's folder (the default) and once
    PostgreSQL (FITLAB_DATABASE_URL), emptied for each test."""
    if request.param == "sqlite":
        monkeypatch.delenv("FITLAB_DATABASE_URL", raising=False)
        yield None
        return
    from fitlab import database

    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("FITLAB_DATABASE_URL", url)
    with database.engine(tmp_path).begin() as db:
        for table in reversed(database.metadata.sorted_tables):
            db.execute(table.delete())
    yield url
    # and the store was PostgreSQL's alone: no SQLite file was made beside the learners
    assert not list(tmp_path.rglob("runs.sqlite")), "the store used SQLite, not PostgreSQL"
