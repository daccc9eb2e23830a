"""Issue 26: what a crafted link says is shown, in a real browser, never as a link.

Its subject is the page's words, not Keras: the server's runs train on the stand-in
worker (tests/fake_worker.py; marker stand_in_worker)."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.stand_in_worker]

LINK = ("/?optimizer=Visit%20http://198.51.100.7/x%20now&loss=www.example.org"
        "&lock=me@example.org&train_images=1e309&section=%C2%B2")


def test_a_crafted_link_shows_its_words_and_makes_no_link_of_them(page, app_url):
    page.goto(app_url + LINK)
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    alerts = page.locator("[data-testid='stAlertContainer']")
    expect(alerts.filter(has_text="http://198.51.100.7/x")).to_have_count(1)
    expect(alerts.filter(has_text="www.example.org")).to_have_count(1)
    expect(alerts.filter(has_text="“1e309”")).to_have_count(1)  # and the page, not a crash
    expect(alerts.filter(has_text="lesson section “²”")).to_have_count(1)
    hrefs = page.locator("a").evaluate_all("links => links.map(link => link.href)")
    # The page's own anchors carry its address, query and all; none may lead elsewhere.
    here = urlparse(app_url).netloc
    assert hrefs and not [href for href in hrefs if urlparse(href).netloc != here
                          and ("198.51" in href or "example.org" in href)], hrefs
