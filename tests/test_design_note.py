"""docs/design.md is a map of the code: every module of the engine and of the pages' parts is
on it, so that a new module cannot be added without saying what it is for."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DESIGN = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
MODULES = sorted(path for folder in ("fitlab", "ui") for path in (ROOT / folder).glob("*.py")
                 if path.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_module_is_on_the_design_notes_map(path):
    assert f"`{path.name}`" in DESIGN, f"{path.parent.name}/{path.name} is not in docs/design.md"


def test_the_map_names_no_module_that_is_gone():
    named = {line.split("`")[1] for line in DESIGN.splitlines()
             if line.startswith("| `") and line.split("`")[1].endswith(".py")}
    present = {path.name for path in MODULES} | {"app.py"}
    assert named <= present, sorted(named - present)
