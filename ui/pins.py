"""Runs a learner pins to draw faintly under the live run on the Train page's charts (at most
compare.MOST_PINNED); with none pinned, the run before that trained enough to compare.

Pins are kept with the learner in the run store, like their exercise progress, so that they
hold through a reload, a second tab and the Your runs page; a pin is a run's id, since a
deleted run's number may be given again."""

from __future__ import annotations

import streamlit as st

from fitlab import compare
from fitlab.history import RunHistory
from fitlab.store import PINNED
from ui.state import learner, run_store, training_pool


def pinned_ids() -> list[str]:
    """The ids of the learner's pinned runs, in the order pinned."""
    return list(run_store().progress(learner(), PINNED))


def pin(job_id: str, on: bool) -> None:
    if on:
        run_store().keep_progress(learner(), PINNED, job_id, "")
    else:
        run_store().forget_progress(learner(), PINNED, job_id)


def set_pinned(numbers: list[int]) -> None:
    """Pin exactly these of the learner's runs (by number)."""
    by_number = {job.number: job.id for job in training_pool().runs_of(learner())}
    wanted = {by_number[number] for number in numbers if number in by_number}
    for job_id in set(pinned_ids()) - wanted:
        pin(job_id, False)
    for number in numbers:
        if number in by_number and by_number[number] not in pinned_ids():
            pin(by_number[number], True)


def pinned_numbers() -> list[int]:
    """The numbers of the learner's pinned runs that are still there."""
    ids = set(pinned_ids())
    return [job.number for job in training_pool().runs_of(learner()) if job.id in ids]


def faint_runs(number: int, history: RunHistory) -> tuple[list[tuple[str, RunHistory]], bool]:
    """The runs to draw faintly under run `number` (compare.faint_runs), and whether they are
    the pinned ones. Ended runs no longer change: their histories are read as they are."""
    ended = [(job.number, job.history) for job in training_pool().runs_of(learner())
             if job.number != number and not job.history.active]
    return compare.faint_runs(ended, (number, history), pinned_numbers())


def caption(faint: list[tuple[str, RunHistory]], is_pinned: bool) -> str:
    """What the faint lines are, and how to choose others; "" when there are none."""
    if not faint:
        return ""
    names = compare.listed([label for label, _ in faint])
    if is_pinned:
        return (f"Faint lines: your pinned run{'s' if len(faint) > 1 else ''} {names}, named "
                "by what differs from this one. Pin or unpin runs under the charts or on "
                "Your runs.")
    return (f"Faint lines: the run before, {names}, named by what differs from this one "
            f"(the latest that trained {compare.USEFUL_EPOCHS} epochs or more). Pin up to "
            f"{compare.MOST_PINNED} runs to compare others.")


def control(number: int | None) -> None:
    """Beside the charts: which earlier runs are pinned under them. Nothing pinned means the
    run before."""
    runs = [job for job in training_pool().runs_of(learner())
            if job.number != number and not job.history.active and job.history.epochs]
    if not runs:
        return
    offered = [job.number for job in runs]
    # as the store has them: pinned elsewhere too (Your runs, another tab)
    st.session_state.pinned_runs = [each for each in pinned_numbers() if each in offered]
    st.multiselect(
        f"Pinned runs (at most {compare.MOST_PINNED})", offered,
        key="pinned_runs", max_selections=compare.MOST_PINNED,
        format_func=lambda each: f"#{each}", on_change=_pinned_changed,
        placeholder=f"None: the latest run of {compare.USEFUL_EPOCHS} epochs or more is drawn",
        help="Runs drawn faintly under the live one, to compare without leaving the page.")


def _pinned_changed() -> None:
    set_pinned(st.session_state.pinned_runs)
