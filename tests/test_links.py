"""How a link spells settings: what it may ask for, what is dropped and why, and the
learning rates of older links."""

import dataclasses
import re

from markdown_it import MarkdownIt

from fitlab.links import (
    CONTROLS,
    FIELDS,
    as_text,
    instructor_choices,
    link_problems,
    link_values,
    read,
    respelled,
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
    assert link_problems({"metrics": "F1 score", "section": "2"}, ["Shapes"]) == []
    # Progress is the learner's, kept in the run store: a link cannot tick an exercise off.
    assert link_problems({"done": "compile", "predicted": "diverge.2"}, ["Shapes"]) == [
        "The link's “done” was ignored: your exercises' progress is kept in this browser, "
        "with your runs, not in links.",
        "The link's “predicted” was ignored: your exercises' progress is kept in this "
        "browser, with your runs, not in links."]
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
    assert "\\[Fit Lab\\]\\(`http://evil.example)`" in problem  # the address as code
    [problem] = link_problems({"optimizer": "![x](http://evil.example/pixel.png)" * 3},
                              ["Shapes"])
    assert autolinks(problem) == [] and problem.count("…") == 1  # no image, no link
    assert "`http://evil.example/pixel.png)![x](…`" in problem


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
    assert problem.endswith("It offers “Shapes”, “\\[x\\]\\(`http://evil.example)`”.")


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


def test_a_number_too_large_for_any_control_is_taken_out_and_named():
    """inf, -inf and 1e309 made Streamlit's number input raise OverflowError while reading
    the address (issue 26): the page takes them out of the address before any control reads
    it, and the notice names each one and the default used instead."""
    from fitlab.links import unreadable

    query = {"train_images": "inf", "seed": "-inf", "patience": "Infinity",
             "images_per_class": "1e309", "epochs": "3", "learning_rate": "nan", "x": "inf"}
    assert unreadable(query) == ["train_images", "seed", "patience", "images_per_class"]
    problems = link_problems(query, ["Shapes"])
    assert ("The link asks for number of training images “inf”, which Fit Lab does not offer, "
            "so the default (5000) is used.") in problems[0]
    assert "seed “\\-inf”" in problems[1] and "default (42)" in problems[1]
    assert "default (0, off)" in problems[2] and "default (all)" in problems[3]
    assert unreadable({"train_images": "1e308", "seed": "99999999999999999999"}) == []


def test_a_section_is_a_plain_number_or_a_name_and_any_other_is_named():
    from fitlab.links import section_index, section_problem

    names = ["1. Compiling versus fitting", "2. The loss function", "3. The optimizer"]
    assert section_index("2", names) == 1 and section_index("3. The optimizer", names) == 2
    for text in ("²", "①", "٣", "0", "4", "-1", "", "The optimizer"):
        assert section_index(text, names) is None, text
    assert section_problem("²", names) == (
                       "The link asks for lesson section “²”, which the lesson does not "
                       "have, so the first section (1. Compiling versus fitting) is shown. "
                       "It takes a section's number, from 1 to 3, or its name.")
    assert section_problem("2", names) is None


# remark-gfm's two patterns, as Streamlit's frontend bundle has them (grep static/ for
# "www(?=\\."): it links what they find in Markdown's text, after escapes are read. The
# check below does not ask for the character before an address, so it finds more, not less.
_REMARK_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.I | re.A)
_REMARK_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.A)


def autolinks(markdown: str) -> list[str]:
    """The links a reader would see in `markdown`: links it writes out, and the addresses in
    its text (as CommonMark reads it, by markdown-it-py: escapes read, code spans apart) that
    Markdown links by itself."""
    found, text = [], []
    for block in MarkdownIt("commonmark").parse(markdown):
        for token in block.children or []:
            if token.type in ("link_open", "image"):
                found.append(token.attrGet("href") or token.attrGet("src"))
            text.append(token.content if token.type == "text" else "\n")
        text.append("\n")
    joined = "".join(text)
    return found + [m.group() for m in _REMARK_URL.finditer(joined)] + [
        m.group() for m in _REMARK_EMAIL.finditer(joined)]


def shown(markdown: str) -> str:
    """The characters a reader sees: text and code spans alike."""
    return "".join(token.content for block in MarkdownIt("commonmark").parse(markdown)
                   for token in block.children or [])


HOSTILE = ["Visit http://198.51.100.7/x now", "www.example.org", "WWW.Example.org/a?b=c",
           "(www.example.org)", "HTTPS://x.org", "write to me@example.org", "a`b www.x.org``",
           "`www.x.org`", "line\n\nhttp://x.org", "[Fit Lab](http://evil.example)",
           "![x](http://evil.example/pixel.png)", "<http://x.org>", "x" * 30 + " www.x.org"]


def test_the_checker_finds_the_links_of_issue_26():
    """As the issue saw them: escaping punctuation leaves www. and http:// live."""
    assert autolinks("Visit http\\:\\/\\/198\\.51\\.100\\.7\\/x now") == \
        ["http://198.51.100.7/x"]
    assert autolinks("“www\\.example\\.org”") == ["www.example.org”"]
    assert autolinks("[a](http://x.org)") == ["http://x.org"]
    assert autolinks("ask me\\@example\\.org") == ["me@example.org"]
    assert autolinks("`www.example.org` and 0.001") == []


def test_nothing_from_a_link_shows_as_a_link_and_every_character_shows():
    for value in HOSTILE:
        quoted = as_text(value, limit=80)
        assert autolinks(quoted) == [], (value, quoted)
        assert shown(quoted) == " ".join(value.split()), (value, quoted)
        notices = [*link_problems({"optimizer": value, "loss": value, value: "1"},
                                  ["Shapes", value]),
                   link_problems({"dataset": "Cifar"}, ["Shapes", value])[0],
                   *instructor_choices({"hide": value, "lock": value})[2]]
        assert len(notices) >= 4
        for notice in notices:
            assert autolinks(notice) == [], (value, notice)
