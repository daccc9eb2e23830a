"""A real `streamlit run` on a free loopback port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import pathlib
import shlex
import sys

import pytest
from server import CHROMIUM, ROOT, launch_chromium, streamlit_server

sys.path.insert(0, str(ROOT / "tests"))  # remote_files, shared with the download tests
import fake_worker  # noqa: E402
from remote_files import fashion_mnist_files, serve  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    """Every test here drives a real server in Chromium: the browser tier."""
    here = pathlib.Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails leaves what the learner saw: a screenshot of every page still
    open (in test-artifacts/) and its visible text in the report, for a failure that comes
    once in many runs on a busy CI machine and cannot be watched again."""
    report = yield
    if report.when == "call" and report.failed and "browser" in item.funcargs:
        ARTIFACTS.mkdir(exist_ok=True)
        pages = [page for context in item.funcargs["browser"].contexts
                 for page in context.pages]
        for number, page in enumerate(pages):
            name = f"{item.name}-{number}"[:150].replace("/", "_")
            try:
                page.screenshot(path=ARTIFACTS / f"{name}.png")
                text = page.inner_text("body", timeout=5_000)
            except Exception as error:  # a page already gone says so, not why the test failed
                text = f"(could not be read: {error})"
            if len(text) > 4000:
                text = f"{text[:2000]}\n[...]\n{text[-2000:]}"
            report.sections.append((f"page {number} at {page.url} ({name}.png)", text))
    return report


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="session")
def server_tmp(tmp_path_factory) -> pathlib.Path:
    """The server's temporary folder (TMPDIR): nothing of a learner's should land there."""
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="session")
def server_store(tmp_path_factory) -> pathlib.Path:
    """The server's run store (FITLAB_STORE): learners' runs, photos and models."""
    return tmp_path_factory.mktemp("store")


# A tab that goes away keeps its run training this long (Streamlit's disconnected-session
# time, 120 s unless set): short here, so that a closed tab's run is seen to stop.
TAB_GRACE_SECONDS = 15


@pytest.fixture(scope="session")
def real_server(tmp_path_factory, server_log, server_store, server_tmp):
    """The server, with an empty download cache and a slow local stand-in for the internet
    (the real one is external and absent on CI) serving a small Fashion-MNIST; its runs
    train in real Keras workers."""
    data_folder = tmp_path_factory.mktemp("data")
    with serve(fashion_mnist_files(2000, 100), seconds_per_file=2) as (mirror, _), \
            streamlit_server(server_log, FITLAB_DATA_DIR=str(data_folder),
                             FITLAB_STORE=str(server_store), TMPDIR=str(server_tmp),
                             FITLAB_MIRROR=mirror,
                             STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=str(TAB_GRACE_SECONDS),
                             KERAS_HOME=str(tmp_path_factory.mktemp("keras"))) as (url, _):
        yield url
    text = server_log.read_text()
    assert "Traceback" not in text, f"the server logged a traceback:\n{text}"


@pytest.fixture(scope="session")
def stand_in_server(tmp_path_factory):
    """A server whose runs train on the stand-in worker (tests/fake_worker.py, through the
    FITLAB_WORKER_COMMAND seam that `streamlit run` honours): for the tests marked
    stand_in_worker, whose subject is the page (layout, accessibility, keys, links, the path
    through the exercises), not what Keras does. Training is replaced because it is slow: a
    real worker imports TensorFlow and trains for seconds of CPU that such a test never looks
    at."""
    log = tmp_path_factory.mktemp("stand-in-server") / "streamlit.log"
    with streamlit_server(log, FITLAB_WORKER_COMMAND=shlex.join(fake_worker.command()),
                          FITLAB_STORE=str(tmp_path_factory.mktemp("stand-in-store")),
                          TMPDIR=str(tmp_path_factory.mktemp("stand-in-tmp")),
                          FITLAB_DATA_DIR=str(tmp_path_factory.mktemp("stand-in-data")),
                          KERAS_HOME=str(tmp_path_factory.mktemp("stand-in-keras")),
                          STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=str(TAB_GRACE_SECONDS),
                          ) as (url, _):
        yield url
    text = log.read_text()
    assert "Traceback" not in text, f"the stand-in's server logged a traceback:\n{text}"


@pytest.fixture
def app_url(request):
    """The address of the server the test needs: the stand-in's where the test is marked
    stand_in_worker, else the one with real Keras workers. Each is started once per
    process, when the first test that needs it runs."""
    if request.node.get_closest_marker("stand_in_worker"):
        return request.getfixturevalue("stand_in_server")
    return request.getfixturevalue("real_server")


@pytest.fixture(scope="session")
def browser():
    if not pathlib.Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    yield page
    context.close()
