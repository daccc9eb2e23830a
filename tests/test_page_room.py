"""A class under AppTest: the instructor's room and steering on the Class page, and what a
learner in the class sees. Each AppTest is a browser (its own learner id, set in the
session where a reload must find the same learner); runs train on the stand-in worker
(tests/fake_worker.py: training is replaced because it is slow)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from waiting import rerun_until

from fitlab.settings import Settings

ANNA, BEN, TEACHER = "a1" * 16, "b2" * 16, "e5" * 16


@pytest.fixture
def classes():
    """The classes of the pages' server: its run store's database."""
    from fitlab import classroom, database
    from ui import state

    return classroom.Classroom(database.engine(state.run_store().folder))


def browser(learner: str, page: str = "app_pages/train.py", **query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["learner"] = learner
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "app_pages/train.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _forget_reads():
    from ui import class_view

    class_view.forget()  # the page's one-second shared reads: the test does not wait them out


def texts(at: AppTest) -> str:
    return " ".join(str(element.value) for kind in ("markdown", "caption", "info", "warning",
                                                    "error", "success")
                    for element in getattr(at, kind))


def test_without_a_class_nothing_changes_and_the_room_is_refused(classes):
    code, key = classes.open()
    learner = browser(ANNA)
    assert not learner.info or "instructor" not in texts(learner)
    # the Class page without a key: the form to join, no room
    page = browser(ANNA, "app_pages/room.py", **{"class": code})
    assert [metric.label for metric in page.metric] == []
    assert any(button.label == "Join the class" for button in page.button)
    # joined by the link: the form is folded away, so that nobody thinks they must join again
    assert "You are in class" in texts(page)
    assert [expander.label for expander in page.expander] == [
        "Join another class, or choose your name again", "Teaching? Open a class"]
    # a crafted address with a wrong key: refused in a sentence, no room, nothing to click
    for wrong in ("x" * 32, key[:-1], key + "x"):
        page = browser(BEN, "app_pages/room.py", **{"class": code, "key": wrong})
        assert "not this class's instructor key" in page.error[0].value
        assert key not in texts(page)
        assert not page.metric and not page.button and not page.multiselect
    # the right key for another class opens nothing here
    other_code, other_key = classes.open()
    page = browser(BEN, "app_pages/room.py", **{"class": code, "key": other_key})
    assert "not this class's instructor key" in page.error[0].value
    assert not classes.is_instructor(BEN)


def test_the_instructor_sees_the_room_and_a_learner_follows_it(classes):
    code, key = classes.open()
    teacher = browser(TEACHER, "app_pages/room.py", **{"class": code, "key": key})
    assert [metric.label for metric in teacher.metric][:3] == ["In the room", "Training",
                                                               "Waiting"]
    assert classes.is_instructor(TEACHER)
    anna = browser(ANNA, **{"class": code})  # the learners' link
    assert classes.membership(ANNA)[0].code == code
    assert "not a Fit Lab setting" not in texts(anna)

    # the instructor moves the room to section 4, from the page
    teacher.selectbox(key="push_section").set_value(3)
    teacher.button(key="push").click().run()
    assert "The room was asked to go to 4. The learning rate." in teacher.success[0].value
    _forget_reads()
    anna.run()
    assert "moved the class to section **4. The learning rate**" in anna.info[0].value
    anna.button(key="follow_section").click().run()
    assert anna.session_state["section"] == 3 and not anna.info
    assert anna.query_params["section"] == "4. The learning rate"

    # the room lists her, on that section, once her page has said so
    rerun_until(teacher, lambda at: at.dataframe and "4. The learning rate" in
                at.dataframe[0].value["Section"].tolist(), seconds=30)
    assert at_name(classes, code, ANNA) in teacher.dataframe[0].value["Learner"].tolist()


def at_name(classes, code, learner):
    return {member.learner: member.name for member in classes.members(code)}[learner]


def test_locked_and_hidden_controls_hold_through_a_reload_another_page_and_an_edited_address(
        classes):
    code, key = classes.open()
    anna = browser(ANNA, **{"class": code})
    classes.set_controls(code, key, hidden={"seed"}, locked={"learning_rate"},
                         settings=Settings(learning_rate=0.01, seed=7))
    _forget_reads()
    # a reload with an edited address, no class in it: a new session of the same browser
    for query in ({}, {"learning_rate": "1", "seed": "3", "hide": "", "lock": ""}):
        anna = browser(ANNA, **query)
        rate = anna.select_slider(key="learning_rate")
        assert rate.value == 0.01 and rate.disabled and "instructor" in rate.label
        assert "seed" not in [each.key for each in anna.number_input]
    anna.switch_page("app_pages/exercises.py").run()
    anna.switch_page("app_pages/train.py").run()
    assert anna.select_slider(key="learning_rate").disabled
    anna.button(key="train").click().run()
    from ui import state

    run = state.training_pool().runs_of(ANNA)[-1]
    assert run.settings.learning_rate == 0.01 and run.settings.seed == 7
    run.stop()


def test_solutions_stay_shut_in_a_class_until_the_instructor_opens_them(classes):
    code, key = classes.open()
    self_paced = browser("d4" * 16)  # never in a class
    assert any(expander.label == "Solution" for expander in self_paced.expander)
    anna = browser(ANNA, **{"class": code})
    assert not any(expander.label == "Solution" for expander in anna.expander)
    assert "Your instructor will open the solution" in texts(anna)
    classes.reveal(code, key, {0})
    _forget_reads()
    anna.run()
    assert any(expander.label == "Solution" for expander in anna.expander)


def test_a_shown_run_appears_beside_the_learners_own_and_the_instructors_run_goes_first(
        classes):
    code, key = classes.open()
    teacher = browser(TEACHER, "app_pages/room.py", **{"class": code, "key": key})
    ben = browser(BEN, **{"class": code})
    ben.number_input(key="train_images").set_value(500)
    ben.slider(key="epochs").set_value(2)
    ben.button(key="train").click().run()
    rerun_until(ben, lambda at: at.success, seconds=30, what="Ben's run to end")
    # the room sees his run; the instructor shows it
    rerun_until(teacher, lambda at: len(at.selectbox(key="show_which").options) > 1,
                seconds=30)
    (bens,) = [run.id for run in classes.room_runs(code)]
    teacher.selectbox(key="show_which").set_value(bens).run()
    teacher.button(key="show").click().run()
    assert "Shown on every learner's screen." in teacher.success[0].value
    _forget_reads()
    anna = browser(ANNA, **{"class": code})
    shown = texts(anna)
    assert f"Shown by your instructor:** {at_name(classes, code, BEN)}'s run #1" in shown
    assert len(anna.get("vega_lite_chart")) >= 4  # her own two, and the shown run's two
    # the instructor trains on Compile and train: first in the queue
    teacher.switch_page("app_pages/train.py").run()
    teacher.button(key="train").click().run()
    from ui import state

    demo = state.training_pool().runs_of(TEACHER)[-1]
    assert demo.first and not state.training_pool().runs_of(BEN)[-1].first
    demo.stop()
    # back to the Class page from the header, whose link carries no address: still the room
    teacher.switch_page("app_pages/room.py").run()
    assert [metric.label for metric in teacher.metric][:1] == ["In the room"]
