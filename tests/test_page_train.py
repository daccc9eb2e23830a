"""The Compile and train page under AppTest, with the real worker pool training tiny runs on
the stand-in worker (tests/fake_worker.py), since real training is slow: what the page does
with a run is checked here; what Keras does, in tests/test_training.py."""

from streamlit.testing.v1 import AppTest
from waiting import rerun_until


def button(at: AppTest, label: str):
    """A button by its label: the scenario buttons come before Train and Stop."""
    return next(each for each in at.button if each.label == label)


def open_app() -> AppTest:
    return AppTest.from_file("../app.py", default_timeout=60).run()


def test_the_lesson_and_the_six_controls_with_the_lessons_defaults():
    at = open_app()
    assert not at.exception
    assert at.selectbox(key="loss").label == "Loss function"
    assert at.selectbox(key="loss").value == "categorical_crossentropy"
    assert at.selectbox(key="optimizer").label == "Optimizer"
    assert at.selectbox(key="optimizer").value == "adam"
    assert at.select_slider(key="learning_rate").label == "Learning rate"
    assert at.select_slider(key="learning_rate").value == 0.001
    assert at.select_slider(key="batch_size").value == 32
    assert at.slider(key="epochs").label == "Epochs" and at.slider(key="epochs").value == 10
    assert at.number_input(key="train_images").label == "Training images"
    assert at.button(key="train").label == "Train" and at.button(key="stop").label == "Stop"
    assert any("Compiling versus fitting" in header.value for header in at.subheader)
    assert any("one-hot" in caption.value for caption in at.caption)
    summary = " ".join(block.value for block in at.markdown)
    assert "| conv2d | Conv2D | (None, 30, 30, 16) | 448 |" in summary
    assert "| dense_1 | Dense | (None, 8) | 520 |" in summary  # Shapes has 8 classes


def test_the_label_line_follows_the_loss_function():
    at = open_app()
    at.selectbox(key="loss").set_value("sparse_categorical_crossentropy").run()
    assert any("whole numbers" in caption.value for caption in at.caption)


def test_settings_survive_a_visit_to_another_page():
    at = open_app()
    at.select_slider(key="learning_rate").set_value(0.1).run()
    at.switch_page("app_pages/about.py").run()
    at.switch_page("app_pages/train.py").run()
    assert at.select_slider(key="learning_rate").value == 0.1


def test_train_runs_in_a_worker_and_the_page_reports_the_outcome():
    at = open_app()
    at.number_input(key="train_images").set_value(200)
    # Epochs enough to outlast Train's wait for the first point (a run of 2 could end in it)
    at.slider(key="epochs").set_value(10)
    button(at, "Train").click().run()
    assert button(at, "Train").disabled and not button(at, "Stop").disabled  # Train off, Stop on
    rerun_until(at, lambda at: at.success, what="the run's outcome")
    assert at.success and "Finished all 10 epochs" in at.success[0].value
    assert not button(at, "Train").disabled


def test_a_share_link_restores_its_settings():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update({"optimizer": "SGD", "learning_rate": "0.1", "epochs": "3",
                            "batch_size": "64", "seed": "7",
                            "loss": "Sparse categorical cross-entropy"})
    at.run()
    assert not at.exception and not at.warning
    assert at.selectbox(key="optimizer").value == "sgd"
    assert at.select_slider(key="learning_rate").value == 0.1
    assert at.select_slider(key="batch_size").value == 64
    assert (at.slider(key="epochs").value, at.number_input(key="seed").value) == (3, 7)
    assert at.selectbox(key="loss").value == "sparse_categorical_crossentropy"


def test_a_link_with_unknown_malformed_and_out_of_range_values_opens_with_notices():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update({"learning_rate": "fast", "epochs": "999", "colour": "red",
                            "dataset": "/etc/passwd", "optimizer": "SGD", "loss": "mse"})
    at.run()
    assert not at.exception
    notices = " ".join(warning.value for warning in at.warning).replace("\\", "")  # as shown
    assert "learning rate “fast”" in notices and "number of epochs “999”" in notices
    assert "“colour” is not a Fit Lab setting" in notices and "data set “/etc/passwd”" in notices
    assert "loss function “mse”" in notices and "(Categorical cross-entropy) is used" in notices
    assert at.select_slider(key="learning_rate").value == 0.001  # the default instead
    assert at.slider(key="epochs").value == 10
    assert at.selectbox(key="dataset").value == "shapes"
    assert at.selectbox(key="optimizer").value == "sgd"  # the good part of the link is kept
    assert not button(at, "Train").disabled


def test_a_batch_larger_than_the_training_images_is_explained():
    at = open_app()
    at.number_input(key="train_images").set_value(100).run()
    at.select_slider(key="batch_size").set_value(512).run()
    assert any("larger than the 80 images" in caption.value for caption in at.caption)


def test_a_malformed_file_in_the_data_folder_is_explained_and_the_app_keeps_working(
        tmp_path, monkeypatch):
    (tmp_path / "broken.npz").write_text("this is not an archive")
    monkeypatch.setenv("FITLAB_DATA_DIR", str(tmp_path))
    at = open_app()
    at.selectbox(key="dataset").set_value("broken.npz").run()
    assert not at.exception
    assert "broken.npz is not an .npz archive" in at.error[0].value
    assert button(at, "Train").disabled  # nothing to train on
    at.selectbox(key="dataset").set_value("shapes").run()
    assert not at.error and not button(at, "Train").disabled


def test_one_learners_run_is_not_shown_to_another():
    learner, neighbour = open_app(), open_app()  # two sessions on one server and one pool
    learner.number_input(key="train_images").set_value(200)
    learner.slider(key="epochs").set_value(1)
    button(learner, "Train").click().run()
    neighbour.select_slider(key="learning_rate").set_value(0.1).run()
    assert any("Press **Train**" in caption.value for caption in neighbour.caption)
    assert not button(neighbour, "Train").disabled and button(neighbour, "Stop").disabled
    assert learner.select_slider(key="learning_rate").value == 0.001  # settings not shared
    rerun_until(learner, lambda at: at.success, what="the run's outcome")
    assert learner.success


def test_the_lessons_five_classes_in_one_click_give_the_model_five_outputs():
    at = open_app()
    at.selectbox(key="dataset").set_value("cifar10").run()
    button(at, "The lesson's five: airplane, bird, cat, dog, truck").click().run()
    assert not at.exception
    assert at.multiselect(key="classes").value == ["airplane", "bird", "cat", "dog", "truck"]
    summary = " ".join(block.value for block in at.markdown)
    assert "| dense_1 | Dense | (None, 5) | 325 |" in summary
    at.number_input(key="train_images").set_value(60000).run()
    assert any("The chosen classes offer 25,000 training images" in caption.value
               for caption in at.caption)


def test_grayscale_data_changes_the_models_input_and_the_page_says_so():
    at = open_app()
    at.selectbox(key="dataset").set_value("mnist").run()
    summary = " ".join(block.value for block in at.markdown)
    assert "| conv2d | Conv2D | (None, 26, 26, 16) | 160 |" in summary
    note = " ".join(caption.value for caption in at.caption)
    assert "28x28 pixels (grayscale, 1 channel)" in note
    assert "Fit Lab sets the input to MNIST's 28x28x1 for you" in note


def test_a_link_with_classes_this_data_set_lacks_gets_a_notice():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update({"classes": "unicorn", "images_per_class": "-3"})
    at.run()
    assert not at.exception
    notices = " ".join(warning.value for warning in at.warning).replace("\\", "")  # as shown
    assert "the class “unicorn”, which Shapes does not have" in notices
    assert "number of images per class “-3”" in notices


def test_one_class_alone_is_refused_with_a_reason_and_train_is_off():
    at = open_app()
    at.multiselect(key="classes").set_value(["circle"]).run()
    assert "Choose at least two classes" in at.warning[0].value
    assert button(at, "Train").disabled


def test_a_download_before_the_run_shows_bytes_done_and_total():
    from fitlab.history import RunHistory
    from fitlab.protocol import STARTING
    from fitlab.settings import Settings
    from ui import run_panel

    history = RunHistory(Settings(dataset="cifar10"), state=STARTING)
    history.apply({"type": "download", "title": "CIFAR-10", "done": 42_600_000,
                   "total": 170_500_000})
    assert run_panel.status_line(history).startswith("Downloading CIFAR-10: 42.6 of 170.5 MB.")
    assert abs(run_panel._fraction_done(history) - 0.25) < 0.01


def test_the_code_of_the_chosen_settings_is_there_to_copy_and_download():
    at = open_app()
    at.selectbox(key="optimizer").set_value("sgd").run()
    code = at.code[-1].value
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.001)" in code
    assert "def shapes(" in code  # the offline data travels with the code
    assert [button.proto.label for button in at.get("download_button")] == \
        ["Download fitlab_run.py"]


def test_the_dropout_model_shows_its_rate_and_its_layers():
    at = open_app()
    assert "dropout_rate" not in [slider.key for slider in at.select_slider]
    at.selectbox(key="model").set_value("dropout").run()
    assert at.select_slider(key="dropout_rate").value == 0.5
    summary = " ".join(block.value for block in at.markdown)
    assert "| dropout | Dropout | (None, 4, 4, 64) | 0 |" in summary
    assert "keras.layers.Dropout(0.5)," in at.code[-1].value


def test_the_dropout_helps_scenario_picks_the_dropout_model():
    at = open_app()
    at.session_state["scenarios"] = True  # open the Scenarios menu
    button(at.run(), "Dropout helps").click().run()
    assert at.selectbox(key="model").value == "dropout"
    assert at.number_input(key="train_images").value == 2000  # where dropout helps (claims)
    assert at.info[0].value.startswith("**Dropout helps.**")


def test_chosen_metrics_get_a_live_chart_each_for_training_and_validation():
    at = open_app()
    at.multiselect(key="metrics").set_value(["precision", "f1_score"])
    at.number_input(key="train_images").set_value(200)
    at.slider(key="epochs").set_value(1).run()
    assert 'metrics=["accuracy", keras.metrics.Precision(name="precision"), ' in \
        at.code[-1].value
    button(at, "Train").click().run()
    rerun_until(at, lambda at: at.success, what="the run's outcome")
    assert at.success, [each.value for each in at.error]
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    for title in ("Precision per epoch", "F1 score per epoch"):
        spec = next(spec for spec in specs if title in spec)
        assert '"training"' in spec and '"validation"' in spec


def test_f1_with_sparse_labels_is_refused_with_the_reason():
    at = open_app()
    at.selectbox(key="loss").set_value("sparse_categorical_crossentropy")
    at.multiselect(key="metrics").set_value(["f1_score"]).run()
    assert "F1 score needs one-hot labels" in at.warning[0].value
    assert button(at, "Train").disabled


def test_the_lesson_pages_through_its_sections_and_the_address_keeps_the_place():
    at = open_app()
    assert at.selectbox(key="section").value == 0
    assert [header.value for header in at.subheader][:1] == ["Compiling versus fitting"]
    # Onward and back at the top of the section as well as at its foot
    assert at.button(key="onward_top").help == at.button(key="onward_bottom").label == \
        "2. The loss function"
    at.button(key="onward_bottom").click().run()
    assert "The loss function" in [header.value for header in at.subheader]
    assert at.query_params["section"] == "2. The loss function"
    at.button(key="back_top").click().run()
    assert at.selectbox(key="section").value == 0
    assert not [each for each in at.button if each.key in ("back_top", "back_bottom")]
    at.selectbox(key="section").set_value(10).run()  # the last: no way onward
    assert "Summary and next steps" in [header.value for header in at.subheader]
    assert not [each for each in at.button if each.key in ("onward_top", "onward_bottom")]


def test_a_link_written_before_rates_were_decimals_still_sets_the_rate():
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["learning_rate"] = "1e-05"
    at.run()
    assert not at.exception and not at.warning
    assert at.select_slider(key="learning_rate").value == 0.00001


def test_a_short_link_opens_a_lesson_section_by_its_number():
    for asked, shown in (("4", "The learning rate"), ("11", "Summary and next steps"),
                         ("12", "Compiling versus fitting"), ("four", "Compiling versus fitting")):
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.query_params["section"] = asked
        at.run()
        assert not at.exception
        assert at.subheader[0].value == shown, asked


def test_before_train_the_charts_show_the_empty_axes_the_next_run_will_fill():
    # Where the curves will be, on the scales they start on: nothing moves when Train is
    # pressed (TensorBoard's charts hold still too).
    import json

    at = open_app()
    at.slider(key="epochs").set_value(15).run()
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    titles = [spec["title"]["text"] for spec in specs]
    assert titles[:2] == ["Loss per epoch", "Accuracy per epoch"]
    assert "no epoch of 15 has ended yet" in specs[0]["description"]
    assert any(caption.value.startswith("Next run · Adam") for caption in at.caption)
    # Shapes' eight classes: the loss axis reaches chance level, ln 8 = 2.08, where every
    # run's loss starts; the epochs run to the 15 chosen.
    loss = specs[0]["layer"][0]["encoding"]
    assert loss["x"]["scale"]["domain"] == [1, 15]
    assert 2.08 < loss["y"]["scale"]["domain"][1] < 3


def test_a_link_spelled_otherwise_is_respelled_once_and_the_page_goes_on_working():
    # ?learning_rate=1.0 is written as the slider writes it (1); the dropout rate's 0.0 is
    # already Streamlit's spelling. Respelling a value again once its control is drawn
    # would raise (Streamlit forbids setting a bound parameter): seen in CI as a traceback.
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params.update({"learning_rate": "1.0", "dropout_rate": "0.0",
                            "model": "With dropout (a third Conv2D, Dropout, Dense 64)"})
    at.run()
    assert not at.exception
    assert at.query_params["learning_rate"] == "1" and at.query_params["dropout_rate"] == "0.0"
    assert at.select_slider(key="learning_rate").value == 1.0
    at.slider(key="epochs").set_value(3).run()
    at.select_slider(key="dropout_rate").set_value(0.5).run()
    assert not at.exception
    assert at.select_slider(key="learning_rate").value == 1.0


def test_crafted_numbers_and_sections_give_the_page_with_a_notice_not_a_traceback():
    """Each of these links crashed the page (issue 26): OverflowError inside Streamlit's
    number input, and int() of a digit str.isdigit() accepts."""
    cases = {"train_images": ("inf", "default (5000)"), "seed": ("-inf", "default (42)"),
             "patience": ("inf", "default (0, off)"),
             "images_per_class": ("inf", "default (all)"),
             "section": ("²", "first section (1. Compiling versus fitting)")}
    for key, (text, default) in [*cases.items(), ("train_images", ("1e309", "default (5000)")),
                                 ("section", ("①", "first section"))]:
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.query_params[key] = text
        at.run()
        assert not at.exception, (key, text)
        notices = " ".join(warning.value for warning in at.warning).replace("\\", "")
        assert f"“{text}”" in notices and default in notices, (key, text, notices)
        assert not button(at, "Train").disabled
        assert at.selectbox(key="section").value == 0
    assert at.number_input(key="train_images").value == 5000


def shown_markdown(at: AppTest) -> list[str]:
    """Every piece of Markdown the page shows: text, captions and notices."""
    return [element.value for kind in ("markdown", "caption", "warning", "error", "info",
                                       "success", "toast") for element in getattr(at, kind)]


def test_nothing_a_link_says_shows_as_a_link():
    """Issue 26: /?optimizer=Visit%20http://198.51.100.7/x%20now made a live link in Fit
    Lab's own notice, as did www.example.org in loss, hide or classes."""
    from test_links import autolinks

    for query in ({"optimizer": "Visit http://198.51.100.7/x now", "loss": "www.example.org",
                   "hide": "www.example.org", "lock": "me@example.org",
                   "https://example.org/x": "1"},
                  {"classes": "www.example.org", "section": "www.example.org",
                   "dataset": "HTTPS://example.org", "seed": "www.example.org"}):
        at = AppTest.from_file("../app.py", default_timeout=60)
        at.query_params.update(query)
        at.run()
        assert not at.exception
        assert len(at.warning) == len(query)  # each value named in a notice
        for markdown in shown_markdown(at):  # the lesson's own links go to its pages
            assert not [link for link in autolinks(markdown)
                        if "example" in link or "198.51" in link], markdown
        assert "`http://198.51.100.7/x`" in " ".join(w.value for w in at.warning) or \
            "`www.example.org`" in " ".join(w.value for w in at.warning)


def test_a_redraw_with_no_new_event_sends_the_charts_as_they_were_without_building_them(
        monkeypatch):
    # What a class of live learners costs the server is mostly the charts' building
    # (docs/performance.md): a page whose run sent nothing new builds none of them again,
    # and a page whose run sent something builds it, and shows it.
    from fitlab import charts

    built = []

    def counting(name: str):
        build = getattr(charts, name)

        def counted(*args, **kwargs):
            built.append(name)
            return build(*args, **kwargs)
        return counted

    for name in ("epoch_chart", "batch_chart"):
        monkeypatch.setattr(charts, name, counting(name))
    at = open_app()
    at.number_input(key="train_images").set_value(200)
    at.slider(key="epochs").set_value(2).run()
    button(at, "Train").click().run()
    rerun_until(at, lambda at: at.success, what="the run's outcome")
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert '"Loss per batch"' in specs[2] and "after epoch 2 of 2" in specs[0]
    built.clear()
    at.run()  # nothing new: the run has ended
    assert built == []
    assert [chart.proto.spec for chart in at.get("vega_lite_chart")] == specs
    at.slider(key="epochs").set_value(1).run()
    button(at, "Train").click().run()  # a new run: its events are new, and drawn
    rerun_until(at, lambda at: "after epoch 1 of 1" in at.get("vega_lite_chart")[0].proto.spec,
                what="the second run's epoch")
    assert {"batch_chart", "epoch_chart"} <= set(built)
