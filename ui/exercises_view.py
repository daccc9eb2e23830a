"""Exercises on the page: progress marks, the checks run on this session's runs as they end,
and each exercise drawn with its task, its state, and hints for the stuck.

Marks and predictions are kept with the learner in the run store, like their runs, so they
survive a reload, a second tab and a link opened from another page; the page's address
carries settings only, so no link resets them and none can tick an exercise off.
"""

from __future__ import annotations

import streamlit as st

from fitlab import compile_challenge, exercises, judge, lesson, run_checks
from fitlab.store import DONE as DONE_KIND
from fitlab.store import PREDICTED
from ui.state import learner, projector, run_store, session_runs

# Material icons, drawn by Streamlit's own icon font: emoji are empty boxes on a machine
# without an emoji font.
DONE, NOT_DONE = ":material/check_circle:", ":material/radio_button_unchecked:"


def progress() -> dict[str, str]:
    """{exercise key: why it counts as done} for this learner, read once a script run
    (update() reads it again), so that a mark made in another tab counts here too."""
    if "exercises_done" not in st.session_state:
        _read_progress()
    return st.session_state.exercises_done


def _read_progress() -> None:
    st.session_state.exercises_done = {
        key: evidence for key, evidence in run_store().progress(learner(), DONE_KIND).items()
        if key in exercises.BY_KEY}


def _runs(runs: list | None = None) -> list[exercises.Run]:
    """The learner's runs (or `runs`, from session_runs) by their numbers."""
    return [(job.number, history) for job, history in
            (session_runs() if runs is None else runs)]


def update() -> None:
    """Check the learner's ended runs and announce what they complete. The router calls it
    on every page, so a run that ends counts at once."""
    _read_progress()
    runs = session_runs()
    for key, evidence in exercises.newly_done(_runs(runs), set(progress())).items():
        _mark(key, evidence)
    st.session_state["runs_counted"] = {job.id for job, history in runs if not history.active}
    for key in st.session_state.pop("exercises_to_announce", []):
        if not projector():  # at the back of a room it would cover the menus of a demo
            st.toast(f"Exercise done: {exercises.BY_KEY[key].title}", icon=DONE)


def counted(job) -> bool:
    """Whether this script run's update() saw `job` ended: one that ended later, while the
    page was being drawn below the navigation, is not in the navigation's count yet."""
    return job.id in st.session_state.get("runs_counted", ())


def _mark(key: str, evidence: str) -> None:
    """Tick an exercise off; update() announces it, on this run or, for a mark made while the
    page draws, the next, so that the count in the navigation is never behind."""
    progress()[key] = evidence
    run_store().keep_progress(learner(), DONE_KIND, key, evidence)
    st.session_state.setdefault("exercises_to_announce", []).append(key)


def progress_label() -> str:
    """How many exercises are done, for the page's name in the navigation: "2/7"."""
    return f"{len(progress())}/{len(exercises.EXERCISES)}"


def progress_line() -> None:
    st.markdown(f"**Done: {len(progress())} of {len(exercises.EXERCISES)}.** The count is also "
                "in the page's name at the top of every page.")


def show(exercise: exercises.Exercise, where: str, section_title: str = "") -> None:
    """One exercise in a box; `where` ("lesson" or "page") keeps the widgets' keys apart."""
    if exercise.key == "compile":
        _check_compile(where)
    evidence = progress().get(exercise.key)
    with st.container(border=True):
        st.markdown(f"{DONE if evidence else NOT_DONE} **Exercise: {exercise.title}**")
        st.markdown(exercise.task)
        if section_title:
            st.caption(f"In the lesson: {section_title}.")
        if exercise.predict:
            _prediction(exercise, where, bool(evidence))
        if evidence:
            st.success(evidence)
        if exercise.key == "compile":
            if evidence:  # more than one answer is right: a learner may try another
                st.caption("Try another answer: another metric, or the other kind of labels.")
            _compile_blanks(where)
        elif exercise.key == "best_epoch" and not evidence:
            _best_epoch_answer(where)
        elif exercise.key == "batch_size" and not evidence:
            _batch_size_answers(where)
        elif not evidence:
            st.caption("Fit Lab checks each of your runs when it ends: this box ticks itself.")
        with st.expander("Hints"):
            st.markdown("\n".join(f"{number}. {hint}"
                                  for number, hint in enumerate(exercise.hints, start=1)))


def _predictions() -> dict[str, int]:
    """{exercise key: the choice predicted}, made once, on either page, and kept like the
    marks, so that a reload still sets a prediction beside what happened."""
    kept = run_store().progress(learner(), PREDICTED)
    return {key: int(choice) for key, choice in kept.items() if key in exercises.BY_KEY
            and exercises.BY_KEY[key].predict and choice.isdigit()
            and int(choice) < len(exercises.BY_KEY[key].predict.choices)}


def _happened(key: str) -> int:
    """What came true, as the check saw it when the exercise was done; after a reload, read
    again from the learner's runs, which outlive it."""
    outcomes = st.session_state.setdefault("exercise_outcomes", {})
    if key not in outcomes:
        pair = run_checks.batch_size_pair(_ended_runs()) \
            if key == "batch_size" else None
        outcomes[key] = exercises.what_happened(key, pair)
    return outcomes[key]


def _prediction(exercise: exercises.Exercise, where: str, done: bool) -> None:
    """Predict first: a choice made before the run, then set beside what happened."""
    predict = exercise.predict
    chosen = _predictions().get(exercise.key)
    if chosen is None and not done:
        st.radio(f"**Predict first.** {predict.question}", range(len(predict.choices)),
                 index=None, format_func=lambda number: predict.choices[number],
                 key=f"{where}_predict_{exercise.key}", on_change=_predict,
                 args=(exercise.key, where))
        return
    if chosen is None:
        return  # done without a prediction (or in an earlier visit): nothing to compare
    if not done:
        st.info(f"Your prediction: *{predict.choices[chosen]}*. Now train, and see.")
        return
    outcome = exercises.prediction_outcome(exercise.key, chosen, _happened(exercise.key))
    (st.success if chosen == _happened(exercise.key) else st.info)(outcome)


def _predict(key: str, where: str) -> None:
    choice = st.session_state.get(f"{where}_predict_{key}")
    if choice is not None:
        run_store().keep_progress(learner(), PREDICTED, key, str(choice))


def _compile_blanks(where: str) -> None:
    st.radio("The labels", list(compile_challenge.LABELS), key=f"{where}_compile_labels",
             format_func=lambda labels: compile_challenge.LABELS[labels].capitalize(),
             horizontal=True,
             help="One-hot labels, as Fit Lab uses by default and every edition of the "
             "episode before June 2026 did; whole numbers, as the current edition uses with "
             "sparse_categorical_crossentropy.")
    st.code("model.compile(\n    optimizer=____,\n    loss=____,\n    metrics=____,\n)",
            language="python")
    with st.form(f"{where}_compile"):
        st.text_input("optimizer=", key=f"{where}_optimizer",
                      placeholder="e.g. keras.optimizers.…")
        st.text_input("loss=", key=f"{where}_loss", placeholder="e.g. \"…\"")
        st.text_input("metrics=", key=f"{where}_metrics", placeholder="[…]")
        st.form_submit_button("Check my answer", on_click=_ask_to_check, args=(where,))
    unavailable = st.session_state.get(f"{where}_compile_unavailable")
    if unavailable:
        st.warning(unavailable)
    for blank, problem in st.session_state.get(f"{where}_compile_problems", {}).items():
        st.error(f"`{blank}=` {problem}")
    if right := st.session_state.get(f"{where}_compile_right"):
        st.success(right)  # under the button pressed: the exercise's own note is above


def _ask_to_check(where: str) -> None:
    """The answer as submitted; Keras judges it while the page draws, under a spinner."""
    answers = {blank: (st.session_state.get(f"{where}_{blank}") or "")[:200]
               for blank in ("optimizer", "loss", "metrics")}
    labels = st.session_state.get(f"{where}_compile_labels") or "one-hot"
    st.session_state[f"{where}_compile_asked"] = {**answers, "labels": labels}


def _check_compile(where: str) -> None:
    asked = st.session_state.pop(f"{where}_compile_asked", None)
    if not asked:
        return
    st.session_state.pop(f"{where}_compile_unavailable", None)
    # The first check of a server starts Keras' process: TensorFlow's import takes seconds.
    with st.spinner("Checking with Keras…"):
        try:
            problems = compile_challenge.check_compile(**asked)
        except judge.Unavailable as unavailable:
            st.session_state[f"{where}_compile_problems"] = getattr(unavailable, "problems", {})
            st.session_state[f"{where}_compile_unavailable"] = str(unavailable)
            return
    st.session_state[f"{where}_compile_problems"] = problems
    st.session_state.pop(f"{where}_compile_right", None)
    if problems:
        return
    right = "Right, for {labels}: model.compile(optimizer={optimizer}, loss={loss}, " \
        "metrics={metrics}).".format(
            **{**asked, "labels": compile_challenge.LABELS[asked["labels"]]})
    # Said under the answer, where the learner looks: the first right answer's note at the
    # exercise's top was out of view (a tester saw only the toast). Another right answer
    # leaves the tick as it stands.
    st.session_state[f"{where}_compile_right"] = right
    if "compile" in progress():
        return
    _mark("compile", right)
    st.rerun()  # the navigation's count, drawn before this page, counts it too


def _batch_size_answers(where: str) -> None:
    small, large = (str(size) for size in run_checks.BATCH_SIZES_COMPARED)
    st.markdown("**After both runs**, answer from what they show:")
    for key, question in run_checks.BATCH_QUESTIONS.items():
        st.radio(question, (small, large), index=None, horizontal=True,
                 format_func=lambda size: f"Batch size {size}", key=f"{where}_batch_{key}")
    st.button("Check my answers", key=f"{where}_check_batch_size", on_click=_check_batch_size,
              args=(where,))
    feedback = st.session_state.get(f"{where}_batch_size_feedback")
    if feedback:
        st.warning(feedback)


def _check_batch_size(where: str) -> None:
    answers = {key: st.session_state.get(f"{where}_batch_{key}")
               for key in run_checks.BATCH_QUESTIONS}
    evidence, feedback = run_checks.batch_size_answer(
        _ended_runs(), answers)
    st.session_state[f"{where}_batch_size_feedback"] = feedback
    if evidence:
        st.session_state.setdefault("exercise_outcomes", {})["batch_size"] = \
            exercises.what_happened("batch_size", run_checks.batch_size_pair(
                _ended_runs()))
        _mark("batch_size", evidence)


def _best_epoch_answer(where: str) -> None:
    shown = run_checks.best_epoch_runs(_ended_runs())
    run, epoch, check = st.columns([1, 2, 1], vertical_alignment="bottom")
    # The latest run that shows it is the one asked about unless the learner picks another.
    run.selectbox("Run", shown, index=len(shown) - 1 if shown else None,
                  format_func=lambda number: f"#{number}", key=f"{where}_best_epoch_run",
                  placeholder="None yet")
    epoch.number_input("Epoch with the lowest validation loss", 1, 50, value=None,
                       key=f"{where}_best_epoch", placeholder="Type the epoch")
    check.button("Check", key=f"{where}_check_best_epoch", on_click=_check_best_epoch,
                 args=(where,), width="stretch")
    feedback = st.session_state.get(f"{where}_best_epoch_feedback")
    if feedback:
        st.warning(feedback)


def _ended_runs() -> list[exercises.Run]:
    return [run for run in _runs() if not run[1].active]


def _check_best_epoch(where: str) -> None:
    evidence, feedback = run_checks.best_epoch_answer(
        _ended_runs(), st.session_state.get(f"{where}_best_epoch"),
        st.session_state.get(f"{where}_best_epoch_run"))
    st.session_state[f"{where}_best_epoch_feedback"] = feedback
    if evidence:
        _mark("best_epoch", evidence)


def page() -> None:
    """Every exercise, with where it belongs in the lesson."""
    done = progress()
    st.progress(len(done) / len(exercises.EXERCISES),
                text=f"{len(done)} of {len(exercises.EXERCISES)} exercises done")
    titles = {section.slug: section.title for section in lesson.sections()}
    for exercise in exercises.EXERCISES:
        show(exercise, "page", titles.get(exercise.section, exercise.section))
