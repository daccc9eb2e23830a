import pytest

from fitlab import claims, lesson


def readable(part) -> str:
    """All the words of a part a learner can read or open (an exercise's are its own)."""
    if isinstance(part, lesson.Challenge):
        return part.question + " " + part.solution
    if isinstance(part, lesson.Further):
        return part.title + " " + part.body
    return part if isinstance(part, str) else ""

TOPICS = ["compil", "loss function", "sparse categorical cross-entropy", "one-hot",
          "regression loss", "optimizer", "sgd", "momentum", "rmsprop", "adam", "defaults",
          "learning rate", "metric", "categorical accuracy", "top-k", "precision", "recall",
          "f1", "batch size", "epoch", "curve", "overfitting", "underfitting", "dropout",
          "early stopping", "patience"]


def test_the_lesson_covers_the_episode_and_every_section_has_key_points():
    sections = lesson.sections()
    text = " ".join(
        section.title + " " + " ".join(readable(part) for part in section.parts)
        for section in sections
    ).lower()
    for topic in TOPICS:
        assert topic in text, topic
    assert all(section.keypoints and section.questions and section.objectives
               for section in sections)


def test_challenges_keep_their_solution_apart(tmp_path):
    path = tmp_path / "01-x.md"
    path.write_text("---\ntitle: X\nkeypoints:\n- one\n---\nIntro.\n"
                    "::: challenge Try\nWhat?\n::: solution\nThis.\n:::\nAfter.\n")
    section = lesson.parse(path)
    assert section.parts[0] == "Intro."
    assert section.parts[1] == lesson.Challenge("Try", "What?", "This.")
    assert section.parts[2] == "After." and section.keypoints == ("one",)


def test_an_exercise_line_marks_its_place_in_the_text(tmp_path):
    path = tmp_path / "01-x.md"
    path.write_text("---\ntitle: X\n---\nBefore.\n::: exercise diverge\nAfter.\n")
    assert lesson.parse(path).parts == ("Before.", lesson.ExercisePlace("diverge"), "After.")


@pytest.mark.parametrize("text, words", [
    ("---\ntitle: T\n---\n::: exercise\n", "names no exercise"),
    ("no front matter", "no front matter"),
    ("---\nquestions:\n- q\n---\nBody", "no title"),
    ("---\ntitle: T\n---\n::: challenge Open\nnever closed\n", "no closing"),
])
def test_a_malformed_lesson_file_is_named(tmp_path, text, words):
    path = tmp_path / "bad.md"
    path.write_text(text)
    with pytest.raises(lesson.LessonError, match=words):
        lesson.parse(path)


# The longest code line a 480-pixel column shows without scrolling: measured in Chromium with
# Streamlit 1.67's code block (14 px monospace, 16 px padding), 53 characters fit and 54 do not.
CODE_COLUMNS = 53


def test_the_lessons_code_fits_a_narrow_column_and_is_python():
    import ast
    import re

    texts = [(section.slug, readable(part))
             for section in lesson.sections() for part in section.parts]
    blocks = [(slug, block) for slug, text in texts
              for block in re.findall(r"```python\n(.*?)```", text, re.S)]
    assert len(blocks) >= 3  # compile and fit, dropout, early stopping
    for slug, block in blocks:
        too_long = [line for line in block.splitlines() if len(line) > CODE_COLUMNS]
        assert not too_long, (slug, too_long)
        ast.parse(block)  # still valid Python


def test_the_current_editions_setup_is_one_click_and_says_what_differs():
    """The June 2026 edition: five CIFAR-10 classes, whole-number labels, sparse loss."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=60).run()
    at.session_state["scenarios"] = True  # open the Scenarios menu
    at.run()
    [button for button in at.button if button.label == "The June 2026 edition"][0].click().run()
    assert not at.exception
    assert at.selectbox(key="dataset").value == "cifar10"
    assert at.multiselect(key="classes").value == ["airplane", "bird", "cat", "dog", "truck"]
    assert at.selectbox(key="loss").value == "sparse_categorical_crossentropy"
    captions = " ".join(caption.value for caption in at.caption)
    assert "Labels stay whole numbers" in captions
    note = at.info[0].value
    assert note.startswith("**The June 2026 edition.**") and "ln 5 = 1.61" in note
    code = at.code[-1].value  # the exported code trains what the edition does
    assert 'loss="sparse_categorical_crossentropy"' in code
    assert "to_categorical" not in code


# -- links from the lesson text -----------------------------------------------------------

import pathlib  # noqa: E402
import re  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
GLOSSARY = ("loss", "optimizer", "learning rate", "batch", "epoch", "validation",
            "overfitting", "dropout", "patience", "chance level")
# Keras 3's pages, as keras-io's scripts/api_master.py names them.
KERAS_PAGES = {
    "https://keras.io/api/models/model_training_apis/", "https://keras.io/api/losses/",
    "https://keras.io/api/optimizers/", "https://keras.io/api/metrics/",
    "https://keras.io/api/callbacks/early_stopping/",
    "https://keras.io/api/layers/regularization_layers/dropout/",
    "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/",
}


def section_texts():
    return [(section, " ".join(readable(part) for part in section.parts))
            for section in lesson.sections()]


def links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_the_lessons_links_open_pages_that_exist_and_keras_3s_documentation():
    pages = {path.stem for path in (ROOT / "app_pages").glob("*.py")}
    glossary = (ROOT / "docs" / "instructor-guide.md").read_text().split(
        "\n## Glossary\n", 1)[1].split("\n## ", 1)[0]
    anchors = {term.lower().replace(" ", "-")
               for term in re.findall(r"^- \*\*(.+?)\*\*: ", glossary, re.MULTILINE)}
    for section, text in section_texts():
        for link in links(text):
            if link.startswith("https://"):
                assert link in KERAS_PAGES, (section.slug, link)
                continue
            page, _, anchor = link.removeprefix("./").partition("#")
            # a term's link is an anchor of the Train page: the glossary at the lesson's foot
            assert page in pages or (not page and anchor), (section.slug, link)
            assert not anchor or (not page and anchor in anchors), (section.slug, link)
    every = " ".join(text for _, text in section_texts())
    assert all(page in every for page in KERAS_PAGES)  # losses, optimizers, metrics, fit...
    for page in ("./runs", "./evaluate", "./explorer"):
        assert f"]({page})" in every, page


def test_each_glossary_term_is_linked_and_at_most_once_a_section():
    linked = set()
    for section, text in section_texts():
        anchors = [link.split("#", 1)[1] for link in links(text) if "#" in link]
        assert len(anchors) == len(set(anchors)), (section.slug, anchors)
        assert len(anchors) <= 4, section.slug  # a few a section, not every word
        linked |= set(anchors)
    assert linked == {term.replace(" ", "-") for term in GLOSSARY}


def test_the_lesson_ends_with_the_episodes_summary_and_shows_history_save_and_the_rate():
    sections = lesson.sections()
    assert sections[-1].title == "Summary and next steps"
    assert len(sections[-1].keypoints) >= 5
    every = " ".join(text for _, text in section_texts())
    for code in ('history.history', "model.save(", "keras.models.load_model(",
                 "keras.optimizers.Adam(learning_rate=", "image_dataset_from_directory",
                 "fit(train_ds, epochs=10, validation_data=val_ds)"):
        assert code in every, code
    edition = " ".join(text for section, text in section_texts()
                       if section.slug == "01-compile-and-fit")
    assert "The June 2026 edition" in edition and "about five days in June 2026" in edition


def test_the_first_section_starts_with_train_and_folds_the_editions_away():
    """A learner's first minute is a run: press Train, read the two curves; which edition Fit
    Lab follows is a deep dive, folded."""
    first = lesson.sections()[0]
    assert first.parts[0].startswith("**Press Train now**")
    assert "edition" not in first.parts[0]
    folds = {part.title: part.body for part in first.parts if isinstance(part, lesson.Further)}
    assert folds["Which edition of the episode?"].startswith("The episode has changed")


def test_a_further_part_is_folded_apart_and_a_bad_one_is_named(tmp_path):
    path = tmp_path / "01-x.md"
    path.write_text("---\ntitle: X\n---\nCore.\n::: further Deep dive\nMore.\n:::\nOn.\n")
    assert lesson.parse(path).parts == ("Core.", lesson.Further("Deep dive", "More."), "On.")
    for text, words in (("::: further\nx\n:::\n", "no title"),
                        ("::: further Open\nnever closed\n", "no closing")):
        path.write_text("---\ntitle: X\n---\n" + text)
        with pytest.raises(lesson.LessonError, match=words):
            lesson.parse(path)


def test_every_section_keeps_a_challenge_or_exercise_on_its_core_path():
    for section in lesson.sections():
        assert any(isinstance(part, (lesson.Challenge, lesson.ExercisePlace))
                   for part in section.parts), section.slug


# The core path is what a section shows unfolded: its questions, objectives, text, challenges
# and key points. At 175 words a minute, 3,400 words is about 19 minutes of reading, which
# with the core's runs (about 13, a minute each), its challenges and its exercises makes the
# 45 minutes docs/instructor-guide.md budgets ("Timings").
CORE_WORDS = 3400


def words(text: str) -> int:
    return len(text.split())


def core_words(section: lesson.Section) -> int:
    return (words(section.title) + sum(map(words, section.questions + section.objectives
                                           + section.keypoints))
            + sum(words(readable(part)) for part in section.parts
                  if not isinstance(part, lesson.Further)))


def test_the_core_path_is_short_enough_for_the_episodes_hour():
    assert sum(core_words(section) for section in lesson.sections()) <= CORE_WORDS


# -- claims ----------------------------------------------------------------------------------

# The measured claims a sentence may point to: each is re-run over several seeds by
# `python -m fitlab claims`.
CLAIM_KEYS = set(claims.BY_KEY)
MARKED = sorted((ROOT / "lesson").glob("*.md")) + [ROOT / "docs" / "instructor-guide.md"]


@pytest.mark.parametrize("path", MARKED, ids=lambda path: path.name)
def test_every_claim_marker_names_a_known_claim(path):
    text = path.read_text(encoding="utf-8")
    keys = lesson.claim_keys(text)
    assert set(keys) <= CLAIM_KEYS, sorted(set(keys) - CLAIM_KEYS)
    # a marker spelt any other way would be neither checked nor hidden
    assert text.count("<!--") == len(keys), path.name


def test_claim_markers_never_reach_the_reader():
    assert any(lesson.claim_keys(path.read_text()) for path in MARKED)  # there are some
    for section, text in section_texts():
        assert "<!--" not in text and "claim:" not in text, section.slug
    assert lesson.strip_claims("Falls. <!-- claim: default-run-learns -->\nNext.") == \
        "Falls.\nNext."


def test_the_page_folds_the_deep_dives_and_shows_no_marker():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["section"] = "4"
    at.run()
    assert not at.exception
    labels = [expander.label for expander in at.expander]
    assert "Going further: The Learning-rate explorer: a cartoon, not a network" in labels
    shown = " ".join(block.value for block in at.markdown)
    assert "It is not trapped" in shown and "<!--" not in shown and "claim:" not in shown
