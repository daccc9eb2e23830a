import dataclasses

import pytest

from fitlab.models import MODELS
from fitlab.settings import Settings, SettingsError


def test_defaults_are_the_lessons():
    settings = Settings()
    assert (settings.loss, settings.optimizer, settings.learning_rate) == (
        "categorical_crossentropy", "adam", 0.001)
    assert (settings.batch_size, settings.epochs) == (32, 10)
    assert settings.label_encoding == "one-hot"
    assert Settings(loss="sparse_categorical_crossentropy").label_encoding == "integer"


@pytest.mark.parametrize("change, words", [
    ({"loss": "mse"}, "Unknown loss function 'mse'"),
    ({"optimizer": "adagrad"}, "Unknown optimizer 'adagrad'"),
    ({"learning_rate": 0.0}, "learning rate must be between 0.00001 and 10, not 0"),
    ({"learning_rate": float("nan")}, "learning rate must be a number"),
    ({"batch_size": 0}, "batch size must be between"),
    ({"epochs": 51}, "number of epochs must be between 1 and 50, not 51"),
    ({"epochs": 2.5}, "number of epochs must be a whole number"),
    ({"train_images": 10}, "number of training images must be between"),
    ({"dataset": " "}, "Choose a data set"),
    ({"metrics": ("auc",)}, "Unknown metric 'auc'"),
    ({"metrics": ("f1_score",), "loss": "sparse_categorical_crossentropy"},
     "F1 score needs one-hot labels.*Choose categorical cross-entropy"),
])
def test_each_bad_setting_is_named_in_its_message(change, words):
    with pytest.raises(SettingsError, match=words):
        Settings(**change)


def test_round_trip_through_a_dictionary_and_unknown_keys_are_refused():
    settings = Settings(optimizer="sgd", learning_rate=0.1, seed=7)
    assert Settings.from_dict(settings.to_dict()) == settings
    as_json = {**settings.to_dict(), "metrics": ["precision"], "classes": ["ring", "cross"]}
    assert Settings.from_dict(as_json).metrics == ("precision",)
    with pytest.raises(SettingsError, match="Unknown setting"):
        Settings.from_dict({"momentum": 0.9})


def test_the_model_dropout_rate_and_patience_are_checked():
    import pytest

    from fitlab.settings import Settings, SettingsError

    assert Settings(model="dropout", dropout_rate=0.8, patience=3).model == "dropout"
    with pytest.raises(SettingsError, match="Unknown model 'resnet'"):
        Settings(model="resnet")
    with pytest.raises(SettingsError, match="dropout rate must be a number from 0 up to"):
        Settings(dropout_rate=1.0)
    with pytest.raises(SettingsError, match="patience must be between 0 and 50"):
        Settings(patience=-1)


@pytest.mark.parametrize("rate, written", [
    (0.00001, "0.00001"), (0.00003, "0.00003"), (0.0001, "0.0001"), (0.0003, "0.0003"),
    (0.001, "0.001"), (0.01, "0.01"), (0.3, "0.3"), (1.0, "1"), (3.0, "3"), (10.0, "10"),
    (3, "3"), (0.0000025, "0.0000025"), (20.0, "20"),
])
def test_a_learning_rate_is_written_as_a_plain_decimal(rate, written):
    from fitlab.settings import format_learning_rate

    assert format_learning_rate(rate) == written
    assert float(written) == rate  # and reads back as the same number


def test_every_offered_learning_rate_is_written_without_an_exponent():
    from fitlab.settings import LEARNING_RATES, format_learning_rate

    written = [format_learning_rate(rate) for rate in LEARNING_RATES]
    assert not [text for text in written if "e" in text.lower()]
    assert len(set(written)) == len(LEARNING_RATES)
    with pytest.raises(SettingsError, match=r"between 0\.00001 and 10, not 0\.000001\."):
        Settings(learning_rate=0.000001)


def test_every_setting_has_its_control_on_the_train_page_and_the_page_reads_them_all():
    """docs/design.md's recipe for a new setting: a field of Settings and its control,
    keyed by the field's name; the page builds Settings from the controls by name. A field
    without a control, or a control whose value the page left out, fails here."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["model"] = MODELS["dropout"].label  # the dropout rate's control shows
    at.run()
    assert not at.exception
    drawn = {widget.key for kind in (at.selectbox, at.select_slider, at.slider,
                                     at.number_input, at.multiselect) for widget in kind}
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert fields <= drawn
    assert at.session_state["settings_read"] == Settings(model="dropout")
    at.slider(key="epochs").set_value(3).run()
    assert at.session_state["settings_read"] == Settings(model="dropout", epochs=3)
