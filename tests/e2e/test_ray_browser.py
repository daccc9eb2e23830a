"""Two learners in real browsers against a real `streamlit run` whose trainers are on a real
Ray cluster (a head and a second node on the loopback address, FITLAB_RAY_ADDRESS set)."""

import importlib.util
import os
import pathlib
import re
import signal
import sys

import pytest
from learner import STATUS, epochs_slider_to, set_number, stop, train
from playwright.sync_api import expect
from server import ROOT, streamlit_server

sys.path.insert(0, str(ROOT / "tests"))
from ray_cluster import local_cluster  # noqa: E402

pytestmark = [pytest.mark.ray,
              pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                 reason="Ray is not installed (requirements-ray.txt)")]

ARTIFACTS = ROOT / "test-artifacts"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def ray_server(tmp_path_factory):
    """Yield (url, server process, cluster)."""
    folder = tmp_path_factory.mktemp("ray-server")
    log = folder / "streamlit.log"
    with local_cluster(folder) as cluster, \
            streamlit_server(log, FITLAB_RAY_ADDRESS=cluster.address, FITLAB_RAY_CPUS="1",
                             FITLAB_STORE=str(folder / "store"),
                             KERAS_HOME=str(folder / "keras"),
                             **cluster.environment) as (url, process):
        yield url, process, cluster
    text = log.read_text()
    assert "Traceback" not in text, f"the server logged a traceback:\n{text}"


def learner_page(browser, url):
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.goto(url)
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    return page


def charts_live(page):
    """The status line redraws (two changes at least) and the three charts are drawn."""
    status = page.get_by_text(STATUS)
    seen = set()
    while len(seen) < 3:
        if status.count():
            seen.add(status.first.inner_text())
        page.wait_for_timeout(200)
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3)


def test_two_learners_train_stop_and_finish_on_the_cluster(browser, ray_server):
    url, server, cluster = ray_server
    ARTIFACTS.mkdir(exist_ok=True)
    first, second = learner_page(browser, url), learner_page(browser, url)
    # The line is drawn with the page: opened again until both trainers are warm, as the
    # first learner of the day would see it on their next visit.
    ready = first.get_by_text(re.compile(
        r"Ready to train, on CPU \(TensorFlow\)\. Trainers: 2 on 2 machines of the Ray cluster\."))
    while not ready.count():
        first.wait_for_timeout(2000)
        first.reload()
        first.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    first.screenshot(path=ARTIFACTS / "ray-trainers.png")

    set_number(first, "Training images", 5000)
    epochs_slider_to(first, "End")  # stopped below: 50 epochs, so it cannot finish first
    set_number(second, "Training images", 1000)
    train(first)
    train(second)
    charts_live(first)
    charts_live(second)
    trainers = cluster.actors()  # Ray's state API: the runs train on the cluster's two nodes
    assert len(trainers) == 2 and len({actor["node_id"] for actor in trainers}) == 2

    stop(first)
    expect(first.get_by_text("Stopped at your request")).to_be_visible(timeout=60_000)
    expect(second.get_by_text("Finished all 10 epochs.")).to_be_visible(timeout=240_000)
    expect(second.get_by_text("Training on 800 images")).to_be_visible()
    for page in (first, second):
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
        assert page.get_by_text("Traceback").count() == 0

    # The server trains nothing itself: neither Keras nor Ray is loaded in its process.
    maps = pathlib.Path(f"/proc/{server.pid}/maps").read_text()
    assert "_raylet" not in maps and "tensorflow" not in maps
    for page in (first, second):
        page.context.close()


def test_a_killed_trainer_fails_only_its_learners_run_in_words(browser, ray_server):
    url, _, cluster = ray_server
    pages = [learner_page(browser, url), learner_page(browser, url)]
    for page in pages:
        set_number(page, "Training images", 5000)
        # The run that goes on is stopped below: 5,000 images for 10 epochs once finished in
        # 10 s, before Stop was pressed. 50 epochs are minutes of work.
        epochs_slider_to(page, "End")
        train(page)
    for page in pages:
        expect(page.get_by_text(STATUS)).to_be_visible(timeout=120_000)
    os.kill(cluster.actors()[0]["pid"], signal.SIGKILL)

    failure = re.compile(r"The training process ended unexpectedly: its process on the "
                         r"machine it trained on \(.+\) was killed")
    failed = [page.get_by_text(failure) for page in pages]
    while not any(each.count() for each in failed):
        pages[0].wait_for_timeout(500)
    hit = next(index for index, each in enumerate(failed) if each.count())
    victim, other = pages[hit], pages[1 - hit]
    expect(victim.get_by_text("The run failed.")).to_be_visible()
    expect(victim.get_by_text("the other runs go on")).to_be_visible()
    victim.screenshot(path=ARTIFACTS / "ray-trainer-killed.png")
    expect(other.get_by_text(STATUS)).to_be_visible()  # the other run still trains
    stop(other)
    expect(other.get_by_text("Stopped at your request")).to_be_visible(timeout=60_000)
    for page in pages:
        assert page.get_by_text("Traceback").count() == 0
        page.context.close()
