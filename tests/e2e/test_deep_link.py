"""A link to a page other than the first, opened on a freshly started server."""

import re
import shlex

import fake_worker
from playwright.sync_api import expect
from server import streamlit_server


def test_a_link_to_the_data_page_on_a_fresh_server_opens_the_whole_app(browser, tmp_path):
    """Its subject is the router, not Keras: the server's runs would train on the stand-in
    worker (tests/fake_worker.py), which starts without importing TensorFlow."""
    with streamlit_server(tmp_path / "streamlit.log",
                          FITLAB_WORKER_COMMAND=shlex.join(fake_worker.command())) as (url, _):
        page = browser.new_context(viewport={"width": 1500, "height": 1000}).new_page()
        page.goto(f"{url}/data?dataset=MNIST+%28handwritten+digits%2C+grayscale%29")
        expect(page.get_by_role("heading", name="Look at the data")).to_be_visible(
            timeout=60_000)
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="Dataset")
        expect(box.locator("input")).to_have_value("MNIST (handwritten digits, grayscale)")
        # the router's pages in the header, one of them named by the router at each run
        expect(page.get_by_role("link", name="Compile and train")).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(r"Exercises 0\/8$"))).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        page.context.close()
    assert "Traceback" not in (tmp_path / "streamlit.log").read_text()


def test_the_train_page_on_a_fresh_server_says_when_the_trainers_are_ready(browser, tmp_path):
    # The first learner of the day watches "starting" become "ready" without a reload.
    with streamlit_server(tmp_path / "streamlit.log") as (url, _):
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.goto(url)  # before the trainers have imported Keras and warmed up
        expect(page.get_by_text(re.compile(r"Ready to train, on CPU"))).to_be_visible(
            timeout=120_000)
        page.context.close()
