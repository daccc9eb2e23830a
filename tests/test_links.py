"""How a link spells settings: what it may ask for, what is dropped and why, and the
learning rates of older links."""

import dataclasses

from fitlab.links import (
    CONTROLS, FIELDS, instructor_choices, link_problems, link_values, read, respelled,
)
from fitlab.settings import Settings


def test_link_problems_name_each_bad_value_and_the_default_used_instead():
    assert link_problems({"optimizer": "SGD", "learning_rate": "1e-05", "seed": "3"},
                         ["Shapes"]) == []
    problems = link_problems({"batch_size": "33", "seed": "-1", "x": "1"}, ["Shapes"])
    assert problems == [
        "The link asks for batch size “33”, which Fit Lab does not offer, so the default "
        "(32) is used. It offers 8, 16, 32, 64, 128, 256, 512.",
        "The link asks for seed “\\-1”, which Fit Lab does not offer, so the default (42) is "
        "used. It takes a whole number from 0 to 2,147,483,647.",
        "The link's “x” is not a Fit Lab setting, so it was ignored.",
    ]
    assert link_problems({"metrics": "F1 score", "done": "compile"}, ["Shapes"]) == []
    assert link_problems({"metrics": "AUC"}, ["Shapes"]) == [
        "The link asks for metric “AUC”, which Fit Lab does not offer, so the default "
        "(accuracy only) is used. It offers “Categorical accuracy”, “Top-3 accuracy”, "
        "“Precision”, “Recall”, “F1 score”."]


def test_links_write_decimal_learning_rates_and_still_read_old_ones():
    for text in ("0.00001", "1e-05"):  # today's links, and those written before
        assert link_problems({"learning_rate": text}, ["Shapes"]) == []
        assert link_values({"learning_rate": text}) == {"learning_rate": 0.00001}
    # The controls, bound to the address, read only their own spelling: a link's other
    # spellings of an offered value are written as the controls write them.
    assert respelled({"learning_rate": "3e-05"}) == {"learning_rate": "0.00003"}
    assert respelled({"learning_rate": "1.0", "batch_size": "64.0", "epochs": "3.0",
                      "dropout_rate": "0.50", "train_images": "1e3"}) == {
        "learning_rate": "1", "batch_size": "64", "epochs": "3", "dropout_rate": "0.5",
        "train_images": "1000"}
    assert respelled({"dropout_rate": "0"}) == {"dropout_rate": "0.0"}  # as Streamlit has it
    # as the controls write them already, or not offered: left for the controls, and the
    # notices, to deal with
    assert respelled({"learning_rate": "0.00003", "epochs": "3", "optimizer": "SGD",
                      "dropout_rate": "0.0"}) == {}
    assert respelled({"learning_rate": "2e-05", "batch_size": "63.0", "epochs": "3.5",
                      "seed": "nan", "train_images": "inf", "x": "1.0"}) == {}


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


def test_every_setting_a_link_can_give_reads_back_as_its_default():
    """What a link says for a setting comes from its field, so a new one needs no edit in
    fitlab.links; the page writes a choice by its label and a number as itself."""
    default = Settings()
    for field in dataclasses.fields(Settings):
        value, labels = getattr(default, field.name), field.metadata["labels"]
        if field.name in ("dataset", "classes", "metrics"):  # read by the page itself
            continue
        text = labels[value] if labels else str(value)
        assert read(field.name, text) == value, field.name
        assert link_values({field.name: text}) == {field.name: value}
        assert link_problems({field.name: text}, ["Shapes"]) == []
    assert set(CONTROLS) | {"images_per_class"} == set(FIELDS)


def test_a_whole_number_outside_its_range_is_dropped_as_its_notice_says():
    [problem] = link_problems({"epochs": "99"}, ["Shapes"])
    assert problem.endswith("so the default (10) is used. It takes a whole number from 1 to "
                            "50.")
    assert link_values({"epochs": "99", "patience": "3"}) == {"patience": 3}


def test_a_value_not_offered_says_which_are():
    [problem] = link_problems({"learning_rate": "7"}, ["Shapes"])
    assert problem == ("The link asks for learning rate “7”, which Fit Lab does not offer, so "
                       "the default (0.001) is used. It offers 0.00001, 0.00003, 0.0001, "
                       "0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10.")
    [problem] = link_problems({"dataset": "Cifar"}, ["Shapes", "[x](http://evil.example)"])
    assert problem.endswith("It offers “Shapes”, “\\[x\\]\\(http\\:\\/\\/evil\\.example\\)”.")


def test_a_misspelt_name_in_a_link_gets_the_nearest_one():
    [problem] = link_problems({"learnin_rate": "0.1"}, ["Shapes"])
    assert problem == ("The link's “learnin\\_rate” is not a Fit Lab setting, so it was "
                       "ignored. Did you mean learning_rate?")
    hidden, locked, problems = instructor_choices({"lock": "learnin_rate",
                                                   "hide": "optimiser,zzz"})
    assert (hidden, locked) == (set(), set())
    assert problems == [
        "The link asks to hide “optimiser”, which is not one of Fit Lab's controls. Did you "
        "mean optimizer?",
        "The link asks to hide “zzz”, which is not one of Fit Lab's controls (dataset, loss, "
        "optimizer, learning_rate, batch_size, epochs, train_images, seed, classes, model, "
        "dropout_rate, patience, metrics).",
        "The link asks to lock “learnin\\_rate”, which is not one of Fit Lab's controls. Did "
        "you mean learning_rate?"]
