"""A class in a real browser: an instructor and five learners, each in a browser context of
their own (their own cookie), on one server. The server trains on the stand-in worker
(tests/fake_worker.py, through FITLAB_WORKER_COMMAND): what is tested is the room, not what
Keras does, and real training would make this test minutes long.

The instructor sees each learner's run while it trains; a section push reaches every
learner; a locked setting stays locked through a reload, another page and an edited
address; a learner without the key is refused every instructor action, from the page and
from a crafted address; a shown run appears on the learners' screens. Then the room in the
projector view and the learner's banner are photographed, and audited with axe."""

from __future__ import annotations

import re
import shlex
import sys

import pytest
from learner import header_link
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from server import ROOT, streamlit_server
from test_accessibility import serious_violations
from test_one_screen import settled

sys.path.insert(0, str(ROOT / "tests"))
import fake_worker  # noqa: E402

from fitlab import classroom, database  # noqa: E402

SCREENSHOTS = ROOT / "docs" / "screenshots"
LEARNERS = 5
# Long enough on the stand-in worker for the room to see a run training on a busy machine:
# at its pace below, 0.8 s an epoch, 10 s a run (0.4 s an epoch at its usual pace).
RUN = "train_images=5000&epochs=12"
STAND_IN_SECONDS_PER_IMAGE = "0.0002"
ROOM_SECONDS = 30_000  # the room redraws every 2 s: a few polls, on a busy machine


@pytest.fixture(scope="module", autouse=True)
def patient_expectations():
    """Six tabs of one server on a busy 2-core machine: a state may take seconds to come."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's own, for the other modules


@pytest.fixture(scope="module")
def room_server(tmp_path_factory):
    store = tmp_path_factory.mktemp("room-store")
    log = tmp_path_factory.mktemp("room-server") / "streamlit.log"
    with streamlit_server(log, FITLAB_STORE=str(store), FITLAB_WORKERS="2",
                          FITLAB_WORKER_COMMAND=shlex.join(fake_worker.command()),
                          FITLAB_STAND_IN_SECONDS_PER_IMAGE=STAND_IN_SECONDS_PER_IMAGE,
                          ) as (url, _):
        yield url, store
    text = log.read_text()
    assert "Traceback" not in text, f"the server logged a traceback:\n{text}"


def _ready(page, heading: str | re.Pattern) -> None:
    expect(page.get_by_text(heading).first).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _settled(page) -> None:
    """Between two of the page's polls: Streamlit fades what a rerun is redrawing, and a
    picture or an audit of a faded page shows what nobody reads."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                          "notRunning")


def _train(page) -> None:
    """Train, pressed again where the press landed in a redraw of a busy machine's page and
    started nothing (the page still reads "Next run", not "Run #1"). A Train that cannot be
    pressed, disabled while a run is queued or training, means the press took: CI saw the
    first press start a run whose panel came after the wait, and a second press wait on the
    disabled button."""
    started = page.get_by_text("Run #1 ·").filter(visible=True)
    button = page.get_by_role("button", name="Train", exact=True)
    for _ in range(3):
        try:
            button.click(timeout=15_000)
        except PlaywrightTimeout:
            if button.is_disabled():
                break
        try:
            expect(started.first).to_be_visible(timeout=30_000)
            return
        except AssertionError:
            continue
    expect(started.first, "Train started no run").to_be_visible(timeout=60_000)


def _steer(page):
    """The Steer tab, clicked again if a click landed while a rerun redrew the page."""
    tab, push = page.get_by_role("tab", name=re.compile("Steer$")), page.get_by_role(
        "button", name="Move the room here")
    for _ in range(3):
        tab.click()
        try:
            expect(push).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            continue
    expect(push).to_be_visible()


def _pick(page, label: str, option: str | re.Pattern) -> None:
    """Choose in a select box; opened again if a redraw closed its list (as a person
    would). After the page's drawing is over: while a rerun (a tab clicked) redraws the
    tab, its select box of before stands beside the new one (CI found two "Run" boxes)."""
    settled(page)
    box = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text(label, exact=True))
    for _ in range(3):
        box.locator("input").click()
        try:
            page.get_by_role("option", name=option).first.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"no option {option} in {label}")


def _locked_rate(page) -> None:
    rate = page.get_by_role("slider").first
    expect(rate).to_have_attribute("aria-valuetext", "1", timeout=30_000)
    expect(rate).to_be_disabled()
    expect(page.get_by_text("Learning rate · set by your instructor")).to_be_visible()


def test_an_instructor_sees_and_steers_a_room_of_five(browser, room_server):
    url, store = room_server
    classes = classroom.Classroom(database.engine(store))
    code, key = classes.open()

    contexts = [browser.new_context(viewport={"width": 1366, "height": 768})
                for _ in range(LEARNERS)]
    for context in contexts:
        context.set_default_navigation_timeout(120_000)
    learners = [context.new_page() for context in contexts]
    for page in learners:
        page.goto(f"{url}/?class={code}&{RUN}", wait_until="commit")
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=180_000)
    teacher_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    teacher_context.set_default_navigation_timeout(120_000)  # six tabs on a busy 2 cores
    teacher = teacher_context.new_page()
    teacher.goto(f"{url}/room?class={code}&key={key}", wait_until="commit")
    _ready(teacher, "In the room")
    names = {member.learner: member.name for member in classes.members(code)
             if not member.instructor}
    assert len(names) == LEARNERS

    # each learner trains; the room shows them training, then each one's run. It is looked
    # for as soon as the first has pressed Train, while all five runs are still to come:
    # looked for after the fifth, a busy machine's learners had pressed Train for longer
    # than the runs took.
    _train(learners[0])
    training = teacher.get_by_test_id("stMetric").filter(has_text="Training")
    expect(training).not_to_contain_text(re.compile(r"Training\s*0$"), timeout=ROOM_SECONDS)
    for page in learners[1:]:
        _train(page)
    table = teacher.get_by_test_id("stDataFrame").first
    for name in names.values():
        expect(table).to_contain_text(name, timeout=ROOM_SECONDS)
    for page in learners:
        expect(page.get_by_text(re.compile("Finished all 12 epochs"))).to_be_visible(
            timeout=120_000)
    runs = classes.room_runs(code)
    assert {run.learner for run in runs} == set(names) and all(run.val_losses for run in runs)

    # a section push reaches every learner: one click, nothing forced
    _steer(teacher)
    _pick(teacher, "Section", "4. The learning rate")
    _steer(teacher)  # still on Steer after the choice's rerun (CI once found Room shown)
    teacher.get_by_role("button", name="Move the room here").click()
    for page in learners:
        expect(page.get_by_text("Your instructor has moved the class to section")).to_be_visible(
            timeout=ROOM_SECONDS)
    learners[0].get_by_role("button", name="Go there").click()
    expect(learners[0].get_by_role("heading", name="The learning rate")).to_be_visible()
    expect(learners[0].get_by_role("button", name="Go there")).to_have_count(0)

    # a lock held for the class, at the "too high" scenario's learning rate
    _steer(teacher)
    lock = teacher.locator("[data-testid='stMultiSelect']").filter(has_text="Lock")
    lock.locator("input").click()
    teacher.get_by_role("option", name="learning rate", exact=True).click()
    teacher.keyboard.press("Escape")
    _pick(teacher, "At the values of", "Learning rate too high")
    teacher.get_by_role("button", name="Hold for the class").click()
    expect(teacher.get_by_text("The class's controls are held as chosen.")).to_be_visible()
    anna = learners[1]
    anna.reload(wait_until="commit")
    _locked_rate(anna)
    anna.get_by_role("link", name=re.compile("^Exercises")).click()
    _ready(anna, re.compile("Exercises"))
    header_link(anna, "Compile and train").click()
    _locked_rate(anna)
    anna.goto(f"{url}/?learning_rate=0.01&lock=&hide=", wait_until="commit")  # an edited address
    _locked_rate(anna)

    # without the key: refused from the page and from crafted addresses
    ben = learners[2]
    ben.goto(f"{url}/room", wait_until="commit")
    _ready(ben, "You are in class")
    # in a class, the header lists the Class page (a self-paced header does not)
    expect(ben.get_by_test_id("stTopNav").get_by_role("link", name="Class")).to_be_visible()
    expect(ben.get_by_role("button", name="Move the room here")).to_have_count(0)
    expect(ben.get_by_role("tab", name=re.compile("Steer$"))).to_have_count(0)
    before = classes.get(code)
    for crafted in (f"class={code}&key=wrong", f"class={code}&key={key[:-2]}",
                    f"class={code}&key=&push_section=0&shown_run=x",
                    f"class={code}&key=x&section=1&lock=&hide=learning_rate"):
        ben.goto(f"{url}/room?{crafted}", wait_until="commit")
        expect(ben.get_by_text(re.compile("instructor key|Only the class's instructor|You are "
                                          "in class"))).to_be_visible(timeout=30_000)
        expect(ben.get_by_role("button", name="Move the room here")).to_have_count(0)
        expect(ben.get_by_text("In the room")).to_have_count(0)
    bens = next(cookie["value"] for cookie in contexts[2].cookies()
                if cookie["name"] == "fitlab_learner")
    assert classes.get(code) == before and not classes.is_instructor(bens)

    # the instructor shows Ben's run on every learner's screen
    _steer(teacher)
    _pick(teacher, "Run", re.compile(rf"^{re.escape(names[bens])} #1"))
    teacher.get_by_role("button", name="Show on every screen").click()
    for page in learners:
        if page is not anna:
            page.goto(f"{url}/", wait_until="commit")
        expect(page.get_by_text(f"{names[bens]}'s run #1")).to_be_visible(timeout=ROOM_SECONDS)

    for context in (teacher_context, *contexts):
        context.close()


def test_the_room_on_the_projector_and_the_learners_banner_pass_axe(browser, room_server):
    """The pictures in README: the room in the projector view, a class of eight whose runs
    a second pool (another server, sharing the store) trains, and a learner's banner on a
    laptop and a phone; each audited with axe."""
    from waiting import wait_until

    from fitlab.pool import WorkerPool
    from fitlab.settings import Settings
    from fitlab.store import RunStore

    url, store = room_server
    classes = classroom.Classroom(database.engine(store))
    code, key = classes.open()
    learners = [f"{number:032x}" for number in range(1, 9)]
    for learner in learners:
        classes.join(code, learner)
    rates = [(0.001, "adam"), (0.01, "adam"), (1.0, "adam"), (0.0001, "adam"),
             (0.01, "sgd"), (0.1, "sgd"), (0.001, "rmsprop"), (0.01, "rmsprop")]
    kept = RunStore(store)
    for learner in learners:  # here today: the server's sweep of the store keeps them
        kept.seen(learner)
    pool = WorkerPool(workers=2, store=kept, command=fake_worker.command())
    try:
        runs = [pool.submit(Settings(learning_rate=rate, optimizer=optimizer,
                                     train_images=1500, epochs=12), owner=learner)
                for learner, (rate, optimizer) in zip(learners, rates)]
        wait_until(lambda: not any(run.history.active for run in runs), seconds=180)
    finally:
        pool.close()
    classes.push_section(code, key, 7)

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_navigation_timeout(120_000)
    teacher = context.new_page()
    teacher.goto(f"{url}/room?class={code}&key={key}&view=projector", wait_until="commit")
    _ready(teacher, "In the room")
    expect(teacher.get_by_test_id("stDataFrame").first).to_contain_text(
        classes.members(code)[0].name)
    expect(teacher.get_by_test_id("stDataFrame").first).to_contain_text("finished")
    teacher.wait_for_timeout(2_500)  # the charts are drawn after the script's end
    _settled(teacher)
    teacher.screenshot(path=SCREENSHOTS / "room-projector.png")
    _settled(teacher)
    assert serious_violations(teacher) == []
    context.close()
    for width, height in ((1366, 768), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_navigation_timeout(120_000)
        page = context.new_page()
        page.goto(f"{url}/?class={code}", wait_until="commit")
        expect(page.get_by_text("Your instructor has moved the class to section")).to_be_visible(
            timeout=120_000)
        page.wait_for_timeout(1_500)
        _settled(page)
        page.screenshot(path=SCREENSHOTS / f"room-banner-{width}x{height}.png")
        _settled(page)
        assert serious_violations(page) == []
        context.close()
