"""The Your runs page's parts: the table of this session's runs, what can be done with one,
and runs compared on one chart."""

from __future__ import annotations

import pathlib

import streamlit as st

from fitlab import compare
from fitlab.job import Job
from fitlab.models import MODELS
from fitlab.pool import PoolBusy
from fitlab.settings import LOSSES, OPTIMIZERS, format_learning_rate
from ui import exercises_view, pins
from ui.state import learner, projector, start_run, training_pool

SHOWN_BY_DEFAULT = 2


def table(runs) -> list[int]:
    """The runs, one row each; the rows ticked in it are the runs compared below, and only
    those: with none ticked, the latest SHOWN_BY_DEFAULT that have an epoch to show. (Rows
    ticked in advance stayed ticked, so four ticks drew seven lines.) Returns the compared
    rows' positions in `runs`."""
    rows = []
    # The epoch of the best validation loss is the answer to an exercise: kept back until it
    # is done, as on the charts (ui/run_panel.py).
    show_best_epoch = _best_epoch_shown()
    best_column = "Best val loss (epoch)" if show_best_epoch else "Best val loss"
    pinned = set(pins.pinned_ids())
    for job, history in runs:
        settings, figures = history.settings, compare.summary(history)
        kept = compare.kept_epoch(history)
        rows.append({
            # pinned runs are named in the run's own cell: a column more ran the table past
            # a 1366 px window's edge
            "Run": f"#{job.number}" + (" · pinned" if job.id in pinned else ""),
            # early stopping's final figures are the kept epoch's, as its message says
            "Ended": "training…" if history.active else history.state + (
                f", kept epoch {kept}" if kept else ""),
            "Loss": LOSSES[settings.loss].removesuffix(" cross-entropy"),
            "Optimizer": OPTIMIZERS[settings.optimizer].label,
            "Learning rate": format_learning_rate(settings.learning_rate),
            "Batch size": settings.batch_size,
            "Epochs": f"{len(history.epochs)}/{settings.epochs}",
            # set out of the bar's sight (a scenario sets them): each run says what it had
            "Images": settings.train_images,
            "Model": MODELS[settings.model].short,
            "Dropout": (f"{settings.dropout_rate:g}" if MODELS[settings.model].has_dropout
                        else "none"),
            "Final val accuracy": figures.get("final val accuracy"),
            best_column: ((f"{figures['best val loss']:.3f} ({figures['best epoch']})"
                           if show_best_epoch else f"{figures['best val loss']:.3f}")
                          if figures else None),
            "Seconds": round(history.elapsed()),
            "Device": history.device,
            # Not every setting: a line of them all ran the table 350 px past a 1366 px
            # window; the Run box under the table names them all for the run chosen.
        })
    comparable = [number for number, (_, history) in enumerate(runs) if history.epochs]
    event = st.dataframe(
        rows, hide_index=True, width="stretch",
        column_config={"Final val accuracy": st.column_config.NumberColumn(format="%.3f")},
        on_select="rerun", selection_mode="multi-row",
        # a new key whenever the list of runs changes, so that a ticked row never comes to
        # mean another run after a deletion; the default selection then applies afresh
        key=table_key(runs))
    ticked = [number for number in event.selection.rows if number < len(runs)]
    st.caption("Tick rows (the boxes at their left) to compare those runs below." if ticked
               else f"Below: your latest {SHOWN_BY_DEFAULT} runs. Tick rows (the boxes at "
               "their left) to compare those instead.")
    return ticked or comparable[-SHOWN_BY_DEFAULT:]


def _best_epoch_shown() -> bool:
    return "best_epoch" in exercises_view.progress()


def table_key(runs) -> str:
    return "runs_table_" + "_".join(str(job.number) for job, _ in runs)


def actions(runs) -> None:
    """Re-run, delete or download one run."""
    by_id = {job.id: (job, history) for job, history in runs}
    chosen = st.selectbox(
        "Run, with all its settings", list(reversed(by_id)), key="chosen_run",
        format_func=lambda job_id: f"#{by_id[job_id][0].number} · "
        f"{compare.describe(by_id[job_id][1].settings)}")
    job, history = by_id[chosen]
    rerun, delete, epochs_csv, batches_csv, model = st.columns(5)
    if rerun.button("Re-run", help="Train again with the same settings and seed.",
                    width="stretch"):
        _rerun(job)
    delete.button("Delete", on_click=_delete, args=(job.id,), disabled=history.active,
                  width="stretch", help="Remove this run from the table.")
    epochs_csv.download_button(
        "Epochs as CSV", history.epochs_csv(), f"fitlab-run-{job.number}-epochs.csv",
        "text/csv", width="stretch", disabled=not history.epochs)
    batches_csv.download_button(
        "Batches as CSV", history.batches_csv(), f"fitlab-run-{job.number}-batches.csv",
        "text/csv", width="stretch", disabled=not history.batches)
    saved = pathlib.Path(history.model_file) if history.model_file else None
    model.download_button(
        "Model as .keras", saved.read_bytes() if saved and saved.is_file() else b"",
        f"fitlab-run-{job.number}.keras", "application/octet-stream", width="stretch",
        disabled=not (saved and saved.is_file()),
        help="The trained model: keras.saving.load_model('fitlab-run-….keras') opens it. "
        "A run that diverged has nothing worth saving.")
    pin(runs)


def pin(runs) -> None:
    """Pin the run chosen in `actions` under the Train page's charts, or unpin it."""
    by_id = {job.id: (job, history) for job, history in runs}
    job, history = by_id[st.session_state.chosen_run]
    pinned = pins.pinned_ids()
    full = len([each for each in pinned if each in by_id]) >= compare.MOST_PINNED
    st.session_state[f"pin_{job.id}"] = job.id in pinned  # pinned elsewhere too
    st.toggle(f"Pin #{job.number} under the Train page's charts",
              key=f"pin_{job.id}", on_change=_pin_changed, args=(job.id,),
              disabled=not history.epochs or (full and job.id not in pinned),
              help=f"At most {compare.MOST_PINNED} pinned runs are drawn faintly under the "
              "live one. With none pinned, the Train page draws the run before.")


def _pin_changed(job_id: str) -> None:
    pins.pin(job_id, st.session_state[f"pin_{job_id}"])


def _rerun(job: Job) -> None:
    try:
        start_run(job.settings)
    except PoolBusy as busy:
        st.warning(str(busy))
        return
    st.switch_page("app_pages/train.py")  # to watch it train


def _delete(job_id: str) -> None:
    job = training_pool().get(job_id)
    if job is not None and job.owner == learner() and not job.history.active:
        training_pool().delete(job)


def comparison(runs, chosen: list[int]) -> None:
    """The runs ticked in the table (`chosen`: their positions in `runs`) overlaid on the
    loss and accuracy charts, and a table of how they differ."""
    if sum(1 for _, history in runs if history.epochs) < 2:
        st.info("Train at least two runs, changing one setting between them, to compare "
                "them here.")
        return
    picked = [runs[number] for number in sorted(chosen) if runs[number][1].epochs]
    if len(picked) < 2:
        st.info("Tick two or more runs that have finished an epoch in the table above to "
                "compare them here.")
        return
    labels = compare.labels([history.settings for _, history in picked],
                            [job.number for job, _ in picked])
    from fitlab import charts  # Altair: imported when a chart is drawn

    pairs = list(zip(labels, [history for _, history in picked]))
    left, right = st.columns(2)
    # the plots 380 px tall whatever the legend of run names below them takes
    large = projector()  # read from the back of the room
    left.altair_chart(charts.compare_chart(pairs, "loss", height=380, large=large),
                      key="compare_loss", height="content")
    right.altair_chart(charts.compare_chart(pairs, "accuracy", height=380, large=large),
                       key="compare_accuracy", height="content")
    st.caption("Each run is named by the settings in which the chosen runs differ. A run "
               "whose loss exploded is drawn as triangles along the top of the loss chart, "
               "so that the others keep a readable scale; point at one for its value.")
    figures = [{"Run": label, **compare.summary(history)} for label, history in pairs]
    if not _best_epoch_shown():
        for row in figures:
            row.pop("best epoch", None)
    st.dataframe(figures,
                 hide_index=True, width="stretch",
                 column_config={name: st.column_config.NumberColumn(format="%.3f")
                                for name in ("final val accuracy", "best val accuracy",
                                             "final val loss", "best val loss")})
