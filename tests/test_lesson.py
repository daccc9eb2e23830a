import pytest

from fitlab import lesson

TOPICS = ["compil", "loss function", "sparse categorical cross-entropy", "one-hot",
          "regression loss", "optimizer", "sgd", "momentum", "rmsprop", "adam", "defaults",
          "learning rate", "metric", "categorical accuracy", "top-k", "precision", "recall",
          "f1", "batch size", "epoch", "curve", "overfitting", "underfitting", "dropout",
          "early stopping", "patience"]


def test_the_lesson_covers_the_episode_and_every_section_has_key_points():
    sections = lesson.sections()
    text = " ".join(
        section.title + " " + " ".join(
            part if isinstance(part, str) else part.question + part.solution
            for part in section.parts if not isinstance(part, lesson.ExercisePlace))
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

    texts = [(section.slug, part if isinstance(part, str) else part.question + part.solution)
             for section in lesson.sections() for part in section.parts
             if not isinstance(part, lesson.ExercisePlace)]
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
    return [(section, " ".join(
        part if isinstance(part, str) else part.question + " " + part.solution
        for part in section.parts if not isinstance(part, lesson.ExercisePlace)))
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
            assert page in pages, (section.slug, link)
            assert not anchor or (page == "instructor" and anchor in anchors), \
                (section.slug, link)
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
    assert "The June 2026 edition" in edition and "2025 edition" in edition


def test_the_first_section_opens_on_compile_and_fit_and_leaves_the_editions_to_its_end():
    """Which edition Fit Lab follows is a long paragraph: a learner's first minute goes to
    compile and fit, and the editions come after the challenge, under their own heading."""
    first = lesson.sections()[0]
    assert [type(part).__name__ for part in first.parts] == ["str", "Challenge", "str"]
    assert "edition" not in first.parts[0]
    assert first.parts[-1].startswith("#### Which edition of the episode?\n\nFit Lab follows "
                                      "the episode's 2025 edition")
