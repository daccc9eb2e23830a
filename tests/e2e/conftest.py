"""A real `streamlit run` on a free loopback port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import pathlib

import pytest

from server import CHROMIUM, ROOT, launch_chromium, streamlit_server

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> pathlib.Path:
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="session")
def server_tmp(tmp_path_factory) -> pathlib.Path:
    """The server's temporary folder (TMPDIR), where learners' uploads are kept."""
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, server_log, server_tmp):
    data_folder = tmp_path_factory.mktemp("data")
    with streamlit_server(server_log, FITLAB_DATA_DIR=str(data_folder),
                          TMPDIR=str(server_tmp)) as (url, _):
        yield url
    assert not list(server_tmp.glob("fitlab-upload-*")), "uploads outlived the server"
    text = server_log.read_text()
    assert "Traceback" not in text, f"the server logged a traceback:\n{text}"


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
