"""How a web address spells settings, which is not what a run's settings are.

Every widget is bound to the page's address, so a link carries the settings, in the words
the learner sees ("SGD", "Categorical cross-entropy", "0.001"). Streamlit applies the good
values and drops the rest; this module reads a link as Fit Lab's settings, says what it
dropped and why, and reads the keys a link holds besides the settings: an instructor's
`hide`, `lock` and `view`, the lesson's `section`. A link never carries a learner's
progress: that is kept with the learner (fitlab/store.py).

What a link may say for a setting comes from its field in `Settings` (its labels, its
whole-number range, the values its widget offers), so a new setting needs no edit here.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re

from fitlab import data
from fitlab.settings import Settings, format_learning_rate

FIELDS = {field.name: field for field in dataclasses.fields(Settings)}
LINK_NAMES = {name: field.metadata["link"] for name, field in FIELDS.items()}
# The keys besides the settings, each read where it is used: `hide` and `lock` by
# instructor_choices, `view` by the Train page (?view=projector), `section` by the lesson (a
# bad one shows the first section), `class` and the instructor's `key` by the class
# (ui/class_view.py, ui/room_view.py).
OTHER_KEYS = ("hide", "lock", "view", "section", "class", "key")
# What older links carried of a learner's progress, which a link no longer can.
PROGRESS_KEYS = ("done", "predicted")
# What an instructor may hide or lock: ?hide=optimizer,loss&lock=learning_rate. The images
# per class share the classes' control, so they are hidden and locked with it.
CONTROLS = tuple(name for name in FIELDS if name != "images_per_class")
# How a notice names a default that is not written as its value.
_DEFAULT_WORDS = {"images_per_class": "all", "patience": "0, off", "metrics": "accuracy only"}


def read(name: str, text: str):
    """The value of setting `name` that a link's `text` asks for, or None when Fit Lab does
    not offer it. A list (classes, metrics) is read one name at a time."""
    about = FIELDS[name].metadata
    if about["labels"] is not None:
        return {label: key for key, label in about["labels"].items()}.get(text)
    if about["offered"] is not None:
        number = _number(text)
        if number not in about["offered"]:
            return None
        return int(number) if isinstance(FIELDS[name].default, int) else number
    if about["whole"] is not None:
        low, high = about["whole"]
        return int(text) if _digits(text) and low <= int(text) <= high else None
    return None


def link_problems(query: dict[str, str], dataset_titles) -> list[str]:
    """What is wrong with a link's settings, one sentence each; empty when all is well.

    The app binds its widgets to the query string, which applies the good values and drops
    the rest; these sentences tell the learner what was dropped and what is used instead.
    """
    problems = []
    for key, value in query.items():
        text = value if isinstance(value, str) else str(value)
        if key in PROGRESS_KEYS:
            problems.append(f"The link's “{key}” was ignored: your exercises' progress is kept "
                            "in this browser, with your runs, not in links.")
        elif key not in FIELDS and key not in OTHER_KEYS:
            problems.append(f"The link's “{as_text(key)}” is not a Fit Lab setting, so it was "
                            f"ignored.{_did_you_mean(key, [*FIELDS, *OTHER_KEYS])}")
        elif key in FIELDS and not _offered(key, text, dataset_titles):
            problems.append(
                f"The link asks for {LINK_NAMES[key]} “{as_text(text)}”, which Fit Lab does not "
                f"offer, so the default ({_default_words(key)}) is used. "
                f"{_what_is_offered(key, dataset_titles)}".rstrip()
            )
    return problems


def unreadable(query: dict[str, str]) -> list[str]:
    """The settings a link gives as a number too large for any control (inf, -inf, 1e309).
    Streamlit's number input raises OverflowError on one while it reads the address, before
    the page can say anything, so the page takes these out of the address before any control
    reads it; link_problems names them like any other value Fit Lab does not offer."""
    return [key for key, text in query.items()
            if key in FIELDS and isinstance(text, str)
            and (number := _number(text)) is not None and math.isinf(number)]


def section_index(text: str, names: list[str]) -> int | None:
    """The lesson section a link's ?section= opens, counted from 0: by its number (4) or by
    its name as the section list writes it ("4. The learning rate"); None for anything else."""
    if _digits(text) and 1 <= int(text) <= len(names):
        return int(text) - 1
    return names.index(text) if text in names else None


def section_problem(text: str, names: list[str]) -> str | None:
    """What is wrong with a link's ?section=, in a sentence; None when it names a section."""
    if section_index(text, names) is not None:
        return None
    return (f"The link asks for lesson section “{as_text(text)}”, which the lesson does not "
            f"have, so the first section ({names[0]}) is shown. It takes a section's number, "
            f"from 1 to {len(names)}, or its name.")


def _did_you_mean(name: str, known) -> str:
    """" Did you mean learning_rate?" for a misspelt name near one Fit Lab knows, else ""."""
    near = difflib.get_close_matches(name, list(known), n=1)
    return f" Did you mean {near[0]}?" if near else ""


def _what_is_offered(name: str, dataset_titles) -> str:
    """The values a link may give for setting `name`, so that one wrong value can be put
    right without guessing again."""
    about = FIELDS[name].metadata
    if name == "dataset":  # a folder's name, which a learner may have chosen: quoted safely
        choices = [f"“{as_text(title)}”" for title in dataset_titles]
    elif about["labels"] is not None:
        choices = [f"“{label}”" for label in about["labels"].values()]
    elif about["offered"] is not None:
        choices = [format_learning_rate(value) if name == "learning_rate" else f"{value:g}"
                   for value in about["offered"]]
    elif about["whole"] is not None:
        low, high = about["whole"]
        return f"It takes a whole number from {low:,} to {high:,}."
    else:
        return ""
    return f"It offers {', '.join(choices)}." if choices else ""


def _offered(name: str, text: str, dataset_titles) -> bool:
    if name == "dataset":
        return text in dataset_titles
    if name == "classes":  # they depend on the data set: checked once it is known
        return True
    return read(name, text) is not None


def _default_words(name: str) -> str:
    default, labels = FIELDS[name].default, FIELDS[name].metadata["labels"]
    if name == "dataset":
        return data.title(default)
    if name in _DEFAULT_WORDS:
        return _DEFAULT_WORDS[name]
    return labels[default] if labels is not None else str(default)


def link_values(query: dict[str, str]) -> dict:
    """The settings a link gives that Fit Lab can use, as Settings fields and values. A list
    (classes, metrics) comes with every value of its key, which this dictionary of one value
    a key cannot hold: the page reads those itself."""
    return {key: value for key, text in query.items()
            if key in FIELDS and not isinstance(FIELDS[key].default, tuple)
            and (value := read(key, text)) is not None}


def instructor_choices(query: dict[str, str]) -> tuple[set[str], set[str], list[str]]:
    """(hidden, locked, problems) from a link's `hide` and `lock` lists."""
    chosen, problems = {}, []
    for mode in ("hide", "lock"):
        names = {name.strip() for name in query.get(mode, "").split(",") if name.strip()}
        for unknown in sorted(names - set(CONTROLS)):
            near = _did_you_mean(unknown, CONTROLS)
            problems.append(f"The link asks to {mode} “{as_text(unknown)}”, which is not one of "
                            "Fit Lab's controls"
                            + (f".{near}" if near else f" ({', '.join(CONTROLS)})."))
        chosen[mode] = names & set(CONTROLS)
    return chosen["hide"], chosen["lock"] - chosen["hide"], problems


def respelled(query: dict[str, str]) -> dict[str, str]:
    """The link's settings that Fit Lab offers but that the link spells otherwise than the
    controls write them (?learning_rate=1.0 or 1e-05, batch_size=64.0, epochs=3.0), each as
    the controls write it (1, 0.00001, 64, 3). A control bound to the address reads its own
    spelling only: it would drop the others, and the address would lose them on a reload."""
    respelled = {}
    for key, text in query.items():
        if key not in FIELDS or not isinstance(text, str):
            continue
        offered, whole = FIELDS[key].metadata["offered"], FIELDS[key].metadata["whole"]
        number = _number(text)
        if number is None:
            continue
        if offered is not None:
            if number not in offered:
                continue
        elif whole is None or not (number.is_integer() and whole[0] <= number <= whole[1]):
            continue
        value = int(number) if isinstance(FIELDS[key].default, int) else number
        # as Streamlit writes an option: its format_func, for the learning rate; else str()
        spelled = format_learning_rate(value) if key == "learning_rate" else str(value)
        if spelled != text:
            respelled[key] = spelled
    return respelled


# What Markdown turns into a link by itself, with no bracket asking for one: Streamlit's
# st.markdown (remark-gfm) links http://, https:// and www. addresses up to the next space,
# and e-mail addresses, in text, after escapes are read, so escaping their punctuation does
# not stop it. Widened here (any letter, not only ASCII ones; any character before them).
_AUTOLINK = re.compile(r"(?i)(?:https?://|www\.)[^ \t\r\n]*|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")


def as_text(text: str, limit: int = 40) -> str:
    """Words from a link or an upload, to be quoted in a notice that renders Markdown: at
    most `limit` characters on one line, every ASCII punctuation mark escaped, so that they
    show as the characters they hold, never as a link, an image or formatting, and every
    address Markdown would make a link of by itself shown as code, which it leaves alone."""
    text = " ".join(text.split())  # a line break could start a heading, a list or a quote
    text = text if len(text) <= limit else text[:limit] + "…"
    quoted, start = [], 0
    for address in _AUTOLINK.finditer(text):
        quoted += [_escaped(text[start:address.start()]), _code(address.group())]
        start = address.end()
    return "".join([*quoted, _escaped(text[start:])])


def _escaped(text: str) -> str:
    return "".join(f"\\{char}" if char.isascii() and not char.isalnum() and not char.isspace()
                   else char for char in text)


def _code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks it holds: fenced by one backtick
    more than its longest run of them, and padded where it starts or ends with one."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _digits(text: str) -> bool:
    """Plain ASCII digits, few enough to be a setting: str.isdigit() also takes "²" and "٣",
    which int() refuses or reads as another number."""
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()
