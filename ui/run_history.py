"""The Your runs page's parts: the table of this session's runs, what can be done with one,
and runs compared on one chart."""

from __future__ import annotations

import pathlib

import streamlit as st

from fitlab import compare
from fitlab.jobs import Job, PoolBusy
from fitlab.settings import OPTIMIZERS
from ui.state import session_owner, start_run, training_pool

SHOWN_BY_DEFAULT = 3


def session_runs() -> list[tuple[Job, object]]:
    """This session's runs, oldest first, each with a snapshot of its history to draw."""
    return [(job, job.snapshot()) for job in training_pool().runs_of(session_owner())]


def table(runs) -> None:
    rows = []
    for job, history in runs:
        settings, figures = history.settings, compare.summary(history)
        rows.append({
            "Run": f"#{job.number}",
            "Ended": "training…" if history.active else history.state,
            "Optimizer": OPTIMIZERS[settings.optimizer],
            "Learning rate": f"{settings.learning_rate:g}",
            "Batch size": settings.batch_size,
            "Epochs": f"{len(history.epochs)}/{settings.epochs}",
            "Final val accuracy": figures.get("final val accuracy"),
            "Best val loss (epoch)": (f"{figures['best val loss']:.3f} ({figures['best epoch']})"
                                      if figures else None),
            "Seconds": round(history.elapsed()),
            "Device": history.device,
            "All settings": compare.describe(settings),
        })
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"Final val accuracy": st.column_config.NumberColumn(
                     format="%.3f")})


def actions(runs) -> None:
    """Re-run, delete or download one run."""
    by_id = {job.id: (job, history) for job, history in runs}
    chosen = st.selectbox(
        "Run", list(reversed(by_id)), key="chosen_run",
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


def _rerun(job: Job) -> None:
    try:
        start_run(job.settings)
    except PoolBusy as busy:
        st.warning(str(busy))
        return
    st.switch_page("app_pages/train.py")  # to watch it train


def _delete(job_id: str) -> None:
    job = training_pool().get(job_id)
    if job is not None and job.owner == session_owner() and not job.history.active:
        training_pool().forget(job)


def comparison(runs) -> None:
    """Chosen runs overlaid on the loss and accuracy charts, and a table of how they differ."""
    with_epochs = [(job, history) for job, history in runs if history.epochs]
    if len(with_epochs) < 2:
        st.info("Train at least two runs, changing one setting between them, to compare "
                "them here.")
        return
    names = compare.labels([history.settings for _, history in with_epochs],
                           [job.number for job, _ in with_epochs])
    by_label = dict(zip(names, with_epochs))
    chosen = st.multiselect("Runs to compare", names, default=names[-SHOWN_BY_DEFAULT:],
                            key="compared_runs")
    if not chosen:
        return
    picked = [by_label[label] for label in chosen]
    labels = compare.labels([history.settings for _, history in picked],
                            [job.number for job, _ in picked])
    from fitlab import charts  # Altair: imported when a chart is drawn

    left, right = st.columns(2)
    pairs = list(zip(labels, [history for _, history in picked]))
    left.altair_chart(charts.compare_chart(pairs, "loss"), key="compare_loss", height=380)
    right.altair_chart(charts.compare_chart(pairs, "accuracy"), key="compare_accuracy",
                       height=380)
    st.caption("Solid lines: training. Dashed lines: validation. Each run is named by the "
               "settings in which the chosen runs differ.")
    st.dataframe([{"Run": label, **compare.summary(history)} for label, history in pairs],
                 hide_index=True, width="stretch",
                 column_config={name: st.column_config.NumberColumn(format="%.3f")
                                for name in ("final val accuracy", "best val accuracy",
                                             "final val loss", "best val loss")})
