"""Train and Stop, and the live view of this session's run, redrawn by a polling fragment."""

from __future__ import annotations

import streamlit as st

from fitlab import diagnosis, downloads
from fitlab.history import QUEUED, STARTING, RunHistory
from fitlab.jobs import PoolBusy
from fitlab.settings import Settings
from ui.state import current_job, projector, start_run, training_pool

REDRAW_SECONDS = 0.5


def _start(settings: Settings) -> bool:
    try:
        start_run(settings)
    except PoolBusy as busy:
        st.warning(str(busy))
        return False
    # The link was read once; the run now speaks for itself.
    st.session_state.link_problems = st.session_state.class_link_problems = []
    return True


def _stop() -> None:
    job = current_job()
    if job is not None:
        job.stop()


def train_and_stop(settings: Settings | None) -> None:
    job = current_job()
    running = job is not None and job.history.active
    left, right = st.columns(2)
    # Train reads the settings of this script run, not ones bound to a callback earlier.
    if left.button("Train", type="primary", disabled=running or settings is None,
                   width="stretch"):
        if _start(settings):
            st.rerun()  # draw the page again with Train off and Stop on
    right.button("Stop", on_click=_stop, disabled=not running, width="stretch")


def live_run() -> None:
    """The current run: polled twice a second while it trains, drawn once when it is over."""
    job = current_job()
    if job is None:
        st.info("Choose your settings and press **Train**. The charts fill in as the network "
                "learns, and you can keep reading while it does.")
        return
    if job.history.active:
        st.fragment(run_every=REDRAW_SECONDS)(_draw_live)()
    else:
        draw_run(job.snapshot())


def _draw_live() -> None:
    job = current_job()
    if job is None or not job.history.active:
        st.rerun()  # the whole page: Train comes back and the polling ends
    draw_run(job.snapshot())


def status_line(history: RunHistory) -> str:
    if history.state == QUEUED:
        pool, job = training_pool(), current_job()
        line = f"Waiting for a free trainer: number {pool.queue_position(job)} in the queue"
        wait = pool.seconds_to_wait(job)
        return line + (f", about {wait:.0f} s to wait." if wait is not None else ".")
    if history.state == STARTING and history.download:
        return (f"{downloads.progress_text(**history.download)}. This happens once; later "
                "runs on this server start at once.")
    if history.state == STARTING:
        return "Starting: loading the data set and building the model…"
    parts = [f"Epoch {max(history.current_epoch, 1)}/{history.settings.epochs}",
             f"{history.elapsed():.0f} s elapsed"]
    left = history.seconds_left()
    if left is not None:
        parts.append(f"about {left:.0f} s left")
    parts.append(history.device)
    return " · ".join(parts)


def _fraction_done(history: RunHistory) -> float:
    """Of the download while the data set downloads, of the training after."""
    if history.state == STARTING and history.download.get("total"):
        return min(1.0, history.download["done"] / history.download["total"])
    return history.fraction_done


def draw_run(history: RunHistory) -> None:
    if history.active:
        if projector():  # large enough to read from the back of the room
            st.header(status_line(history))
        st.progress(_fraction_done(history), text=status_line(history))
    else:
        _outcome(history)
    if history.state == QUEUED and training_pool().warm_workers == 0:
        st.caption("The trainer is starting up: TensorFlow takes a few seconds to load once.")
    if history.info:
        st.caption(
            f"Training on {history.info['train_images']:,} images, validating on "
            f"{history.info['validation_images']:,}; {history.info['steps_per_epoch']} batches "
            f"of {history.settings.batch_size} per epoch, on {history.device}."
        )
    if history.batches:
        from fitlab import charts  # Altair: imported with the first chart, not at start-up

        scale = 1.6 if projector() else 1.0
        left, right = st.columns(2)
        left.altair_chart(charts.epoch_chart(history, "loss"), key="loss_chart",
                          height=int(360 * scale))
        right.altair_chart(charts.epoch_chart(history, "accuracy"), key="accuracy_chart",
                           height=int(360 * scale))
        st.altair_chart(charts.batch_chart(history), key="batch_chart", height=int(320 * scale))
        chosen = history.settings.metrics
        for start in range(0, len(chosen), 2):  # the chosen metrics, two to a row
            for column, metric in zip(st.columns(2), chosen[start:start + 2]):
                column.altair_chart(charts.epoch_chart(history, metric),
                                    key=f"{metric}_chart", height=int(300 * scale))


def _outcome(history: RunHistory) -> None:
    last = history.epochs[-1] if history.epochs else None
    summary = ""
    if last and "val_accuracy" in last:
        summary = (f" Final validation accuracy {last['val_accuracy']:.3f}, "
                   f"validation loss {last['val_loss']:.3f}, after {history.elapsed():.0f} s.")
    if history.state == diagnosis.FINISHED:
        st.success(history.message + summary)
    elif history.state == diagnosis.STOPPED:
        st.info(history.message + summary)
    elif history.state == diagnosis.DIVERGED:
        st.error(f"**The loss diverged.** {history.message}")
    elif history.state == diagnosis.COLLAPSED:
        st.error(history.message)  # it opens with "The network stopped learning"
    else:
        st.warning(f"**The run failed.** {history.message}")

