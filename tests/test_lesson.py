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
