"""A learner's session in a real browser against a real `streamlit run`. (A run that diverges
is trained in a browser by test_episode_browser.py, one that collapses by the instructor's
scenario below; tests/test_training.py trains both in Keras.)"""

import pathlib
import re
import time

from conftest import TAB_GRACE_SECONDS
from learner import (
    RUN_ENDED,
    STATUS,
    choose,
    close_menu,
    epochs_slider_to,
    header_link,
    move_learning_rate,
    reveal,
    scenario,
    set_number,
    stop,
    train,
)
from playwright.sync_api import expect

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"

def test_train_watch_the_charts_redraw_then_stop(page):
    expect(page.get_by_text("Compiling versus fitting").first).to_be_visible()
    set_number(page, "Training images", 3000)
    epochs_slider_to(page, "End")  # 50 epochs: it cannot finish before Stop is pressed
    train(page)
    status = page.get_by_text(STATUS)
    seen = set()
    deadline = time.monotonic() + 120
    while len(seen) < 3 and time.monotonic() < deadline:
        if status.count():
            seen.add(status.first.inner_text())
        page.wait_for_timeout(200)
    assert len(seen) >= 3, f"the status redrew only {seen}"  # at least two redraws
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(3)
    stop(page)
    expect(page.get_by_text("Stopped at your request")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    page.screenshot(path=ARTIFACTS / "stopped.png", full_page=True)
    assert page.get_by_text("Traceback").count() == 0


def test_changing_settings_leaving_the_page_and_a_second_tab_leave_the_run_alone(page, app_url):
    set_number(page, "Training images", 1500)
    train(page)
    expect(page.get_by_text(STATUS)).to_be_visible(timeout=60_000)
    move_learning_rate(page, 2)  # a setting for the next run, changed mid-run
    page.get_by_role("link", name="About", exact=True).click()
    expect(page.get_by_role("heading", name="About Fit Lab")).to_be_visible()
    second_tab = page.context.new_page()
    second_tab.goto(app_url)
    expect(second_tab.get_by_role("button", name="Train", exact=True)).to_be_enabled(
        timeout=60_000)
    second_tab.close()
    header_link(page, "Compile and train").click()
    expect(page.get_by_text("Finished all 10 epochs.")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Training on 1,200 images")).to_be_visible()
    assert page.get_by_text("Traceback").count() == 0


def test_closing_the_tab_cancels_its_run_and_frees_the_trainer(browser, app_url):
    learner = browser.new_context().new_page()
    learner.goto(app_url)
    learner.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    set_number(learner, "Training images", 5000)
    learner.get_by_role("slider").nth(2).focus()  # Epochs: to the far end, 50
    learner.keyboard.press("End")
    train(learner)
    expect(learner.get_by_text(STATUS)).to_be_visible(timeout=60_000)
    learner.context.close()  # the learner closes the tab mid-run

    instructor = browser.new_context().new_page()
    deadline = time.monotonic() + TAB_GRACE_SECONDS + 60  # a reconnecting tab's grace, a sweep
    seen = []
    while True:
        instructor.goto(f"{app_url}/?view=projector")  # where the trainers' figures are shown
        sidebar = instructor.get_by_text(re.compile(r"training now: \d+"))
        sidebar.wait_for(timeout=60_000)
        seen.append(re.search(r"training now: \d+", sidebar.inner_text()).group())
        if seen[-1] == "training now: 0":
            assert seen[0] == "training now: 1"  # it was still training when the tab closed
            break
        assert time.monotonic() < deadline, "the closed tab's run is still training"
        instructor.wait_for_timeout(2000)
    instructor.context.close()


def test_a_share_link_opens_the_same_settings_in_a_fresh_browser(page, browser):
    choose(page, "Optimizer", "SGD")
    move_learning_rate(page, 2)  # 0.001 -> 0.01
    set_number(page, "Seed", 7)
    page.wait_for_timeout(500)
    link = page.url
    assert "optimizer=SGD" in link and "learning_rate=0.01" in link and "seed=7" in link

    fresh = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
    fresh.goto(link)
    box = fresh.locator("[data-testid='stSelectbox']").filter(has_text="Optimizer")
    expect(box.locator("input")).to_have_value("SGD", timeout=60_000)
    expect(fresh.get_by_role("slider").first).to_have_attribute("aria-valuetext", "0.01")
    reveal(fresh, fresh.get_by_label("Seed", exact=True))
    expect(fresh.get_by_label("Seed", exact=True)).to_have_value("7")
    fresh.context.close()


def test_an_instructors_link_hides_locks_and_sets_a_scenario(browser, app_url):
    room = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
    room.goto(f"{app_url}/?hide=loss,seed&lock=optimizer&view=projector")
    room.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    expect(room.get_by_text("Loss function", exact=True)).to_have_count(0)
    expect(room.get_by_label("Seed", exact=True)).to_have_count(0)
    optimizer = room.locator("[data-testid='stSelectbox']").filter(has_text="Optimizer")
    opened = reveal(room, optimizer)  # the projector view keeps every setting in one tab
    expect(optimizer.locator("input")).to_be_disabled()
    expect(optimizer.get_by_text("set by your instructor")).to_be_visible()
    close_menu(room, opened)
    expect(room.get_by_text("Compiling versus fitting")).to_have_count(0)  # projector view
    scenario(room, "Learning rate too high")
    expect(room.get_by_text("Adam at 1.0. Watch how the run ends")).to_be_visible()
    reveal(room, optimizer)  # on the Settings tab, Train brings the run's tab up by itself
    train(room)
    expect(room.get_by_text("The network stopped learning")).to_be_visible(timeout=90_000)
    room.context.close()


def test_a_scenario_sets_the_settings_kept_out_of_sight_too(page):
    """A scenario's training images hold although they are set in the More settings tab,
    hidden at the time (a closed popover, tried first, sent its old value back)."""
    set_number(page, "Training images", 500)
    scenario(page, "Learning rate about right")  # 5,000 images
    train(page)
    expect(page.get_by_text("Training on 4,000 images, validating on 1,000")).to_be_visible(
        timeout=60_000)
    # Stopped only to free the trainer, so a run that ended first is as good: waited for as
    # a state, not raced (the scenario's 10 epochs can end within seconds on a fast machine).
    stop(page)
    expect(page.get_by_text(RUN_ENDED)).to_be_visible(timeout=30_000)


def test_a_scenarios_settings_are_in_the_link_and_survive_a_reload(page):
    # Its learning rate, 0.00001, is the slider's first choice, which a control bound to the
    # address used to leave out of the link as if it were the default.
    scenario(page, "Learning rate too low")
    expect(page.get_by_role("slider").first).to_have_attribute("aria-valuetext", "0.00001")
    page.wait_for_timeout(500)
    assert "learning_rate=0.00001" in page.url
    page.reload()
    expect(page.get_by_role("slider").first).to_have_attribute("aria-valuetext", "0.00001",
                                                               timeout=60_000)


def test_a_link_that_spells_a_rate_otherwise_keeps_it_through_a_reload(browser, app_url):
    """An instructor types ?learning_rate=1.0; the slider writes 1, and used to drop 1.0
    from the address, so that a reload, or the link copied from the address bar, trained at
    0.001 under a lock that still said "set by your instructor"."""
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{app_url}/?learning_rate=1.0&batch_size=64.0&lock=learning_rate")
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    sliders = page.get_by_role("slider")
    expect(sliders.nth(0)).to_have_attribute("aria-valuetext", "1")
    expect(sliders.nth(1)).to_have_attribute("aria-valuetext", "64")
    expect(page).to_have_url(re.compile(r"learning_rate=1(&|$)"))
    assert "batch_size=64" in page.url and "lock=learning_rate" in page.url
    page.reload()
    expect(sliders.nth(0)).to_have_attribute("aria-valuetext", "1", timeout=60_000)
    expect(sliders.nth(1)).to_have_attribute("aria-valuetext", "64")
    page.context.close()


def test_a_scenario_that_would_change_what_the_instructor_locked_is_off(browser, app_url):
    learner = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    learner.goto(f"{app_url}/?learning_rate=0.1&lock=learning_rate")
    learner.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
    learner.get_by_role("button", name="Scenarios").click()
    too_high = learner.get_by_role("button", name="Learning rate too high", exact=True)
    expect(too_high).to_be_disabled()
    expect(learner.get_by_text("Not in this session: your instructor has set the learning "
                               "rate, which this scenario changes.").first).to_be_visible()
    expect(learner.get_by_role("slider").first).to_have_attribute("aria-valuetext", "0.1")
    learner.context.close()
