import pytest

from fitlab.settings import Settings, SettingsError, link_problems, link_values


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


def test_link_problems_name_each_bad_value_and_the_default_used_instead():
    from fitlab.settings import link_problems

    assert link_problems({"optimizer": "SGD", "learning_rate": "1e-05", "seed": "3"},
                         ["Shapes"]) == []
    problems = link_problems({"batch_size": "33", "seed": "-1", "x": "1"}, ["Shapes"])
    assert problems == [
        "The link asks for batch size “33”, which Fit Lab does not offer, so the default "
        "(32) is used.",
        "The link asks for seed “\\-1”, which Fit Lab does not offer, so the default (42) is "
        "used.",
        "The link's “x” is not a Fit Lab setting, so it was ignored.",
    ]
    assert link_problems({"metrics": "F1 score", "done": "compile"}, ["Shapes"]) == []
    assert link_problems({"metrics": "AUC"}, ["Shapes"]) == [
        "The link asks for metric “AUC”, which Fit Lab does not offer, so the default "
        "(accuracy only) is used."]


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


def test_links_write_decimal_learning_rates_and_still_read_old_ones():
    from fitlab.settings import learning_rate_from_old_link, link_problems, link_values

    for text in ("0.00001", "1e-05"):  # today's links, and those written before
        assert link_problems({"learning_rate": text}, ["Shapes"]) == []
        assert link_values({"learning_rate": text}) == {"learning_rate": 0.00001}
    # The slider, bound to the address, reads only the decimal form: an old link's rate is
    # handed over to it, a new link's is left alone.
    assert learning_rate_from_old_link({"learning_rate": "3e-05"}) == 0.00003
    assert learning_rate_from_old_link({"learning_rate": "0.00003"}) is None
    assert learning_rate_from_old_link({"learning_rate": "2e-05"}) is None  # not offered
    assert learning_rate_from_old_link({"optimizer": "SGD"}) is None


def test_digits_that_are_not_plain_ascii_are_a_problem_not_a_crash():
    for text in ("²", "٣", "9" * 40):
        problems = link_problems({"epochs": text, "seed": text}, ["Shapes"])
        assert len(problems) == 2, text
        assert link_values({"epochs": text, "seed": text, "patience": text}) == {}


def test_what_a_link_says_is_quoted_as_plain_characters_and_kept_short():
    [problem] = link_problems({"[Fit Lab](http://evil.example)": "1"}, ["Shapes"])
    assert "\\[Fit Lab\\]\\(http\\:\\/\\/evil\\.example\\)" in problem
    [problem] = link_problems({"optimizer": "![x](http://evil.example/pixel.png)" * 3},
                              ["Shapes"])
    assert "!" not in problem.replace("\\!", "") and problem.count("…") == 1
    assert "http\\:" in problem
