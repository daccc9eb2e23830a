"""Instructor mode: controls hidden or locked from the URL, scenarios, the projector view."""

from streamlit.testing.v1 import AppTest

from fitlab import scenarios
from fitlab.links import instructor_choices, link_values
from fitlab.settings import Settings


def open_link(**query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update(query)
    return at.run()


def test_a_link_hides_and_locks_controls_and_the_hidden_ones_take_the_links_values():
    at = open_link(hide="optimizer,loss", lock="learning_rate", optimizer="SGD",
                   learning_rate="0.1")
    assert not at.exception and not at.warning
    controls = [box.label for box in at.selectbox if box.key != "section"]
    assert controls == ["Dataset", "Model"]  # no Loss, no Optimizer
    slider = at.select_slider(key="learning_rate")
    assert slider.disabled and slider.value == 0.1
    # a lock, and why, on the control
    assert slider.label == "Learning rate · set by your instructor"
    assert slider.help.startswith("Set by your instructor")
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.1)" in at.code[-1].value
    assert 'loss="categorical_crossentropy"' in at.code[-1].value  # hidden: the default


def test_a_link_naming_no_control_gets_a_notice_and_the_page_still_works():
    at = open_link(hide="everything", lock="optimizer")
    assert not at.exception
    assert "hide “everything”, which is not one of Fit Lab's controls" in at.warning[0].value
    assert at.selectbox(key="optimizer").disabled


def test_hidden_wins_over_locked_and_spaces_are_forgiven():
    hidden, locked, problems = instructor_choices({"hide": "seed, epochs", "lock": "seed,loss"})
    assert (hidden, locked, problems) == ({"seed", "epochs"}, {"loss"}, [])


def test_a_scenario_sets_every_control_in_one_click_and_says_what_to_watch():
    overfitting_result_words = "In Fit Lab's runs"
    at = open_link()
    at.select_slider(key="batch_size").set_value(128).run()
    at.session_state["scenarios"] = True  # open the Scenarios menu
    at.run()
    assert [button.label for button in at.button if button.key.startswith("scenario_")] == \
        [scenario.title for scenario in scenarios.SCENARIOS]
    [button for button in at.button if button.label == "Overfitting"][0].click().run()
    assert at.session_state["scenarios"] is False  # the menu closes on a choice
    overfitting = scenarios.SCENARIOS[3].settings
    assert at.number_input(key="train_images").value == overfitting.train_images == 1500
    assert at.slider(key="epochs").value == 30
    assert at.select_slider(key="batch_size").value == 32  # back to the lesson's
    assert at.info[0].value.startswith("**Overfitting.** 1,500 images")
    # issue 23: it asks for the best epoch, which the chart keeps back until the exercise is
    # done, so it says how to read an epoch off the chart
    assert "a tick for every epoch, and pointing at a dot of the dashed line names its " \
        "epoch and loss" in at.info[0].value
    # the result of measured runs waits for the learner's own run
    assert overfitting_result_words not in at.info[0].value
    at.slider(key="epochs").set_value(12).run()  # a change of setting: no longer the scenario
    assert not any(info.value.startswith("**Overfitting") for info in at.info)


def test_the_projector_view_drops_the_lesson_and_names_the_settings_in_one_line():
    at = open_link(view="projector", optimizer="SGD", learning_rate="0.00001")
    assert not at.exception
    assert not any("Compiling versus fitting" in header.value for header in at.subheader)
    assert at.button(key="train").label == "Train"
    assert "SGD · learning rate 0.00001 · batch size 32 · 10 epochs" in \
        " ".join(block.value for block in at.markdown)


def test_link_values_read_labels_and_numbers_and_drop_the_rest():
    assert link_values({"optimizer": "RMSprop", "learning_rate": "0.03", "epochs": "7",
                        "batch_size": "33", "loss": "Hinge"}) == {
        "optimizer": "rmsprop", "learning_rate": 0.03, "epochs": 7}
    assert Settings(**link_values({"seed": "9"})).seed == 9


def test_a_link_of_a_thousand_bad_values_gets_a_few_notices_and_a_working_page():
    at = AppTest.from_file("../app.py", default_timeout=60)
    # (Streamlit ignores a query string of more than 1,000 values)
    at.query_params["classes"] = [f"[c{number}](http://evil.example)" for number in range(990)]
    at.query_params["epochs"] = "²"  # int() refuses it: once a crash
    at.query_params["![pixel](http://evil.example/p.png)"] = "1"
    at.run()
    assert not at.exception and not at.error
    notices = [warning.value for warning in at.warning]
    assert len(notices) == 6  # five of the link's 992 problems, and a count of the rest
    assert notices[-1] == "And 987 more of the link's values could not be used."
    assert all("](http" not in notice for notice in notices)  # no link, no image
    assert at.slider(key="epochs").value == 10  # the lesson's default
