"""Two Fit Lab servers behind one load balancer serve one learner (docs/scaling.md): both
keep runs in one PostgreSQL store (FITLAB_DATABASE_URL) and one store folder, so a run
trained on server A is on server B's Your runs page. Both train with the fast tier's
stand-in worker (tests/fake_worker.py, through FITLAB_WORKER_COMMAND): the subject is where
the run is kept, not what Keras does."""

from __future__ import annotations

import re
import shlex

import fake_worker
import pytest
from playwright.sync_api import expect
from server import streamlit_server

pytestmark = pytest.mark.postgres
LEARNER = "5" * 32  # the id in the learner's cookie, which the balancer's host gives both


def test_a_run_trained_on_one_server_is_listed_on_the_other(browser, postgres_url, tmp_path):
    shared = dict(FITLAB_DATABASE_URL=postgres_url, FITLAB_STORE=str(tmp_path / "store"),
                  FITLAB_WORKER_COMMAND=shlex.join(fake_worker.command()), FITLAB_WORKERS="1",
                  KERAS_HOME=str(tmp_path / "keras"))
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with streamlit_server(logs[0], **shared) as (server_a, _), \
            streamlit_server(logs[1], **shared) as (server_b, _):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        # one host for both, as behind a balancer: the cookie goes to either server
        context.add_cookies([{"name": "fitlab_learner", "value": LEARNER, "url": server_a}])
        page = context.new_page()
        page.goto(server_a)
        page.get_by_role("button", name="Train", exact=True).click(timeout=60_000)
        expect(page.get_by_text(re.compile(r"Finished all \d+ epochs"))).to_be_visible(
            timeout=60_000)

        page.goto(f"{server_b}/runs")
        expect(page.get_by_role("heading", name="Your runs")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("No runs yet")).to_have_count(0)
        page.get_by_role("combobox", name="Run").click()
        expect(page.get_by_role("option", name=re.compile(r"^#1 · "))).to_be_visible()
        context.close()
    assert not (tmp_path / "store" / "runs.sqlite").exists()  # the store was PostgreSQL's
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
