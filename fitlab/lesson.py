"""Reads the lesson: one Markdown file per section in lesson/, with a small front matter.

A file starts with `---`, lines of `key: value` (or `key:` followed by `- item` lines for
lists), and `---`. The body is Markdown, in which a challenge is written as

    ::: challenge Its title
    The question.
    ::: solution
    The answer, shown only when the learner asks for it.
    :::

an exercise checked from the learner's own runs (see fitlab.exercises) as the line

    ::: exercise its-key

and a deep dive, folded away so that the core path stays short, as

    ::: further Its title
    Text a learner opens only if they want it.
    :::

A sentence that states what runs show is followed by `<!-- claim: KEY -->`, naming the
measured claim (fitlab.claims) that backs it. Markers are for the claims' check and the
tests; they are taken out before anything is shown.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

LESSON_DIR = pathlib.Path(__file__).resolve().parent.parent / "lesson"
CLAIM_MARKER = re.compile(r"[ \t]*<!-- claim: ([a-z0-9-]+) -->")


def claim_keys(text: str) -> list[str]:
    """The claims a text's markers name, in order."""
    return CLAIM_MARKER.findall(text)


def strip_claims(text: str) -> str:
    """The text as a reader sees it: without its claim markers (Streamlit's Markdown would
    show an HTML comment as text)."""
    return CLAIM_MARKER.sub("", text)


@dataclasses.dataclass(frozen=True)
class Challenge:
    title: str
    question: str
    solution: str


@dataclasses.dataclass(frozen=True)
class Further:
    """A deep dive beside the core path, shown folded: "Going further: <title>"."""
    title: str
    body: str


@dataclasses.dataclass(frozen=True)
class ExercisePlace:
    """Where the exercise with this key (fitlab.exercises.BY_KEY) appears in the text."""
    key: str


@dataclasses.dataclass(frozen=True)
class Section:
    slug: str
    title: str
    questions: tuple[str, ...]
    objectives: tuple[str, ...]
    keypoints: tuple[str, ...]
    parts: tuple[str | Challenge | Further | ExercisePlace, ...]  # in reading order


class LessonError(ValueError):
    """A lesson file that does not follow the format above."""


def sections(folder: pathlib.Path = LESSON_DIR) -> list[Section]:
    return [parse(path) for path in sorted(folder.glob("*.md"))]


def parse(path: pathlib.Path) -> Section:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        raise LessonError(f"{path.name}: no front matter between two '---' lines.")
    header, body = text[4:].split("\n---\n", 1)
    meta = _front_matter(header, path.name)
    if "title" not in meta:
        raise LessonError(f"{path.name}: the front matter has no title.")
    return Section(
        slug=path.stem,
        title=meta["title"],
        questions=tuple(meta.get("questions", ())),
        objectives=tuple(meta.get("objectives", ())),
        keypoints=tuple(meta.get("keypoints", ())),
        parts=tuple(_parts(strip_claims(body), path.name)),
    )


def _front_matter(header: str, name: str) -> dict:
    meta: dict = {}
    key = None
    for line in header.splitlines():
        if not line.strip():
            continue
        if line.lstrip().startswith("- ") and key:
            meta.setdefault(key, []).append(line.lstrip()[2:].strip())
        elif ":" in line:
            key, value = (part.strip() for part in line.split(":", 1))
            if value:
                meta[key] = value
        else:
            raise LessonError(f"{name}: cannot read front matter line {line!r}.")
    return meta


def _parts(body: str, name: str):
    text: list[str] = []
    lines = iter(body.splitlines())
    for line in lines:
        if not line.startswith(("::: challenge", "::: exercise", "::: further")):
            text.append(line)
            continue
        if "".join(text).strip():
            yield "\n".join(text).strip()
        text = []
        if line.startswith("::: exercise"):
            key = line[len("::: exercise"):].strip()
            if not key:
                raise LessonError(f"{name}: an exercise line names no exercise.")
            yield ExercisePlace(key)
            continue
        if line.startswith("::: further"):
            title = line[len("::: further"):].strip()
            if not title:
                raise LessonError(f"{name}: a 'further' part has no title.")
            inner_lines = []
            for inner in lines:
                if inner.strip() == ":::":
                    break
                inner_lines.append(inner)
            else:
                raise LessonError(f"{name}: the part {title!r} has no closing ':::'.")
            yield Further(title, "\n".join(inner_lines).strip())
            continue
        title = line[len("::: challenge"):].strip() or "Challenge"
        question, solution, target = [], [], None
        target = question
        for inner in lines:
            if inner.strip() == "::: solution":
                target = solution
            elif inner.strip() == ":::":
                break
            else:
                target.append(inner)
        else:
            raise LessonError(f"{name}: the challenge {title!r} has no closing ':::'.")
        yield Challenge(title, "\n".join(question).strip(), "\n".join(solution).strip())
    if "".join(text).strip():
        yield "\n".join(text).strip()
