"""Nothing a learner did is lost to a reload, a dropped connection or a server restart: real
`streamlit run` servers with a run store, Debian's Chromium, and a relay on the loopback
address that drops every connection as a workshop room's Wi-Fi does.

What is tested is the server's sessions, store and pool, not what Keras does: the servers'
runs train on the stand-in worker (tests/fake_worker.py, a real process on the real pool's
pipes), at a pace where the long run of 50 epochs lasts minutes. Real Keras trained on a
core through every minute these tests wait, and each server imported TensorFlow first."""

from __future__ import annotations

import contextlib
import re
import shlex
import sqlite3
import sys
import time

import pytest
from learner import STATUS, epochs_slider_to, stop, train
from playwright.sync_api import expect
from server import ROOT, FlakyLink, free_port, streamlit_server

sys.path.insert(0, str(ROOT / "tests"))
import fake_worker  # noqa: E402

EPOCH = re.compile(r"Epoch (\d+)/(\d+)")
# 5,000 images (4,000 to train): 3.2 s an epoch, 160 s for the long run of 50
STAND_IN = {"FITLAB_WORKER_COMMAND": shlex.join(fake_worker.command()),
            "FITLAB_STAND_IN_SECONDS_PER_IMAGE": "0.0008"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def flaky_url(tmp_path_factory, store):
    """A server with Streamlit's own 120 s for a tab to come back, reached through a link
    that can drop."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with streamlit_server(log, FITLAB_STORE=str(store), **STAND_IN) as (url, _):
        link = FlakyLink(int(url.rsplit(":", 1)[1]))
        yield f"http://127.0.0.1:{link.port}", link
    assert "Traceback" not in log.read_text()


def open_app(browser, url):
    """A new browser at Fit Lab, with batches of 8: a run of 50 epochs then takes minutes."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{url}/?batch_size=8")
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    return page


def a_finished_run_then_a_long_one(page):
    """Run #1 of one epoch, finished; then run #2 of 50 epochs, training. Returns the epoch
    it had reached."""
    epochs_slider_to(page, "Home")  # 1 epoch
    train(page)
    expect(page.get_by_text("Finished all 1 epochs.")).to_be_visible(timeout=120_000)
    epochs_slider_to(page, "End")  # 50 epochs
    train(page)
    status = page.get_by_text(STATUS)
    expect(status).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Run #2", exact=False).first).to_be_visible()
    return epoch_of(page)


def runs_in(store) -> int:
    """How many runs the server's store keeps, all learners together."""
    with contextlib.closing(sqlite3.connect(store / "runs.sqlite")) as database:
        return database.execute("SELECT count(*) FROM runs").fetchone()[0]


def epoch_of(page) -> int:
    return int(EPOCH.search(page.get_by_text(STATUS).inner_text()).group(1))


def wait_for_a_later_epoch(page, than: int) -> None:
    deadline = time.monotonic() + 90
    while epoch_of(page) <= than:
        assert time.monotonic() < deadline, "the run shown is not going on"
        page.wait_for_timeout(500)


def test_a_reload_mid_run_finds_every_run_and_the_one_still_training(browser, flaky_url):
    url, _ = flaky_url
    page = open_app(browser, url)
    reached = a_finished_run_then_a_long_one(page)
    page.reload()
    expect(page.get_by_text(STATUS)).to_be_visible(timeout=60_000)  # re-attached, live
    expect(page.get_by_text(re.compile(r"^Run #2 · "))).to_be_visible()
    wait_for_a_later_epoch(page, reached)
    stop(page)
    expect(page.get_by_text(re.compile(r"Stopped at your request in epoch \d+"))).to_be_visible(
        timeout=30_000)
    page.reload()  # and once it has ended, a reload still shows it and the one before
    expect(page.get_by_text(re.compile(r"Stopped at your request in epoch \d+"))).to_be_visible(
        timeout=60_000)
    page.get_by_role("link", name="Your runs").click()
    expect(page.get_by_text("Compare runs", exact=False).first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("combobox", name="Run")).to_be_visible()
    page.get_by_role("combobox", name="Run").click()
    expect(page.get_by_role("option", name=re.compile(r"^#1 · "))).to_be_visible()
    expect(page.get_by_role("option", name=re.compile(r"^#2 · "))).to_be_visible()
    # another browser opening the same address has none of them
    stranger = open_app(browser, url)
    expect(stranger.get_by_text("Run #1", exact=False)).to_have_count(0)
    stranger.context.close()
    page.context.close()


def test_a_connection_dropped_for_a_minute_comes_back_to_the_run_still_training(
        browser, flaky_url):
    url, link = flaky_url
    page = open_app(browser, url)
    reached = a_finished_run_then_a_long_one(page)
    link.drop()
    time.sleep(60)
    link.restore()
    # Streamlit reconnects the tab to its session. The run trained on meanwhile, and the page
    # shows it live, or finished if it ended during the drop (how fast depends on the machine)
    finished = page.get_by_text("Finished all 50 epochs.")
    deadline = time.monotonic() + 90
    while not finished.is_visible():
        shown = [int(match.group(1)) for text in page.get_by_text(STATUS).all_inner_texts()
                 if (match := EPOCH.search(text))]
        if shown and shown[0] > reached + 1:
            stop(page)
            expect(page.get_by_text(re.compile(r"Stopped at your request in epoch \d+|"
                                               r"Finished all 50 epochs"))).to_be_visible(
                timeout=30_000)
            break
        assert time.monotonic() < deadline, "the page did not come back to the run"
        page.wait_for_timeout(500)
    # once the page is drawn again after the run's end (for a moment the old panel and the
    # new stand together), the run is named once
    expect(page.get_by_text(re.compile(r"^Run #2 · "))).to_have_count(1)
    page.context.close()


def test_a_connection_dropped_as_train_is_pressed_still_shows_the_run(browser, flaky_url,
                                                                      store):
    """The page Streamlit reconnects to can be the one drawn before Train, if the drop took
    the answer to the click (seen once in 20 in the flaky workshop benchmark): the page
    must find its run all the same."""
    url, link = flaky_url
    page = open_app(browser, url)
    # A first run, so that the browser has fetched the progress bar's and the charts' code:
    # Streamlit loads each on first use, and a fetch that fails in a drop stays failed until
    # a reload (a known limit, in docs/reliability.md).
    epochs_slider_to(page, "Home")
    train(page)
    expect(page.get_by_text("Finished all 1 epochs.")).to_be_visible(timeout=120_000)
    epochs_slider_to(page, "End")
    runs_before = runs_in(store)
    link.lose_answers()
    train(page)
    deadline = time.monotonic() + 30
    while runs_in(store) == runs_before:  # the click reached the server: a run is kept
        assert time.monotonic() < deadline, "the server never got the click on Train"
        time.sleep(0.1)
    link.drop()
    time.sleep(15)
    link.restore()
    expect(page.get_by_text(STATUS)).to_be_visible(timeout=30_000)
    stop(page)
    expect(page.get_by_text(re.compile(r"Stopped at your request in epoch \d+"))).to_be_visible(
        timeout=30_000)
    page.context.close()


def test_a_server_restart_mid_run_keeps_every_run_and_says_what_happened(browser,
                                                                         tmp_path):
    port, store, log = free_port(), tmp_path / "store", tmp_path / "streamlit.log"
    with streamlit_server(log, port=port, FITLAB_STORE=str(store), **STAND_IN) as (url, _):
        page = open_app(browser, url)
        a_finished_run_then_a_long_one(page)
    # the server has stopped (SIGTERM, as Ctrl+C or a service manager would) and starts again
    with streamlit_server(log, port=port, FITLAB_STORE=str(store), **STAND_IN) as (url, _):
        page.reload()
        expect(page.get_by_text(
            re.compile(r"Stopped because the server shut down; the history so far is kept"))
        ).to_be_visible(timeout=60_000)
        expect(page.get_by_text(re.compile(r"^Run #2 · "))).to_be_visible()
        expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
        train(page)  # run numbers go on
        expect(page.get_by_text(re.compile(r"^Run #3 · "))).to_be_visible(timeout=60_000)
        stop(page)
        page.context.close()
    assert "Traceback" not in log.read_text()


def test_a_learner_who_moves_a_slider_at_once_still_finds_their_runs_after_a_reload(
        browser, tmp_path):
    """The browser learns who it is from a cookie the page writes. On a server's first
    visit the page takes longest to draw, and a learner who moves a control as soon as Train
    shows cuts that first drawing short: the cookie must be written all the same."""
    with streamlit_server(tmp_path / "streamlit.log", FITLAB_STORE=str(tmp_path / "store"),
                          **STAND_IN) as (url, _):
        page = open_app(browser, url)
        epochs_slider_to(page, "Home")  # at once, while the page is still being drawn
        train(page)
        expect(page.get_by_text("Finished all 1 epochs.")).to_be_visible(timeout=120_000)
        page.reload()
        expect(page.get_by_text("Finished all 1 epochs.")).to_be_visible(timeout=60_000)
        expect(page.get_by_text(re.compile(r"^Run #1 · "))).to_be_visible()
        page.context.close()
