"""Train and Stop, and the live view of the learner's run, redrawn by a polling fragment."""

from __future__ import annotations

import copy
import functools

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fitlab import cluster, compare, config, downloads
from fitlab.history import RunHistory
from fitlab.pool import PoolBusy
from fitlab.protocol import (
    COLLAPSED,
    DIVERGED,
    EARLY_STOPPED,
    FINISHED,
    QUEUED,
    STARTING,
    STOPPED,
)
from fitlab.settings import Settings
from ui import controls, exercises_view, link_controls, pins
from ui.state import current_job, projector, start_run, training_pool

# Before a run's first point, Train and each poll wait this long for it (less than a poll,
# so that polls do not pile up): the point shows as it comes, not up to a poll later.
FIRST_POINT_WAIT_SECONDS = 0.4
PROJECTOR_HEIGHT = 560  # the three charts' row, which fits under the bar at 1920x1080
# How soon an idle page notices a run it does not show (a Train click lost to a dropped
# connection, a run started in another tab). Every idle tab reruns its check this often:
# at 2 s, eight idle tabs took 14 % of a core (issue 26), so 10 s: a fifth of that.
WATCH_SECONDS = 10.0


def _start(settings: Settings) -> bool:
    try:
        start_run(settings)
    except PoolBusy as busy:
        st.warning(str(busy))
        return False
    link_controls.forget_link_notices()
    return True


def _stop() -> None:
    job = current_job()
    if job is not None:
        job.stop()


def train_and_stop(settings: Settings | None) -> bool:
    """Train, off while this session's run trains, and Stop, on while it does. Return
    whether it does, for live_run to agree with the buttons even if the run ends between
    the two."""
    job = current_job()
    running = job is not None and job.history.active
    # Train reads the settings of this script run, not ones bound to a callback earlier.
    if st.button("Train", key="train", type="primary", icon=":material/play_arrow:",
                 disabled=running or settings is None):
        if _start(settings):
            st.session_state.run_started = True
            # The page drawn next shows the first point if it comes within a poll; waiting
            # here, while the page still stands as it was, moves nothing on it.
            current_job().wait_for_first_point(FIRST_POINT_WAIT_SECONDS)
            st.rerun()  # draw the page again with Train off and Stop on
    st.button("Stop", key="stop", icon=":material/stop:", on_click=_stop, disabled=not running)
    if not projector():  # on a phone, where the lesson is far below the run (layout.css)
        # Once a run has ended, the bar says so where its progress was: a learner reading
        # the lesson saw the progress go, and nothing else (a tester).
        to_charts = "Charts" if job is None or running else f"#{job.number} ended"
        with st.container(key="phone_links", horizontal=True, width="content", gap="small"):
            st.markdown(f"[:material/monitoring: {to_charts}](#charts)")
            st.markdown("[:material/menu_book: Lesson](#lesson)")
    return running


def from_defaults(settings: Settings | None) -> None:
    """Beside Train: what the next run changes from the lesson's defaults, named, and the way
    back in one click. A scenario's 500 images or dropout model, set out of the bar's sight,
    otherwise stayed for the next challenge."""
    changed = compare.from_defaults_line(settings) if settings is not None else ""
    if not changed:
        return
    st.button("Defaults", key="to_defaults", icon=":material/restart_alt:",
              on_click=_to_defaults, help="Back to the lesson's defaults, in every setting "
              "your instructor has not set.")
    st.caption(f"Not the lesson's: {changed}")


def _to_defaults() -> None:
    fixed = controls.fixed_by_instructor()
    link_controls.choose(**{name: value for name, value in Settings().to_dict().items()
                            if name not in fixed})
    st.session_state.pop("scenario", None)  # its note would now describe other settings


def just_started() -> bool:
    """Whether Train has just started a run, once: for a page to bring the run into view."""
    return st.session_state.pop("run_started", False)


def live_run(settings: Settings | None, running: bool) -> None:
    """The current run: polled twice a second while it trains (`running`, as the buttons were
    drawn), drawn once when it is over; the poll that finds it over draws the whole page
    again. `settings` are the controls' now, to say when they differ from the run's."""
    job = current_job()
    if running:
        st.fragment(run_every=config.REDRAW_SECONDS)(_draw_live)(settings)
        return
    if job is not None and not job.history.active and not exercises_view.counted(job):
        # It ended while this page was drawn, after the navigation's count (a run that
        # diverges in its first steps can): the whole page again, so that it counts.
        st.rerun()
    if job is None:
        with st.container(key="run_status"):  # where a run's progress will be
            st.fragment(run_every=WATCH_SECONDS)(_watch)(None, invite=True)
        if settings is not None:
            # The charts' empty axes, where the curves will be drawn: nothing moves when
            # Train is pressed, and the browser has loaded the charts' code by then. On a
            # phone the lesson comes first instead (layout.css).
            main = st.container(key="charts_before_train")
            # The rest apart, after a scenario's note (layout.css): under them, the note
            # had stood below a laptop's window.
            rest = st.container(key="rest_before_train")
            with main:
                # The projector's bar names the settings already: a lone "Next run" under
                # it read as a stray label (a tester).
                if not projector():
                    st.caption(f"Next run · {compare.headline(settings)}")
                _charts(RunHistory(settings), rest=rest)
        return
    st.fragment(run_every=WATCH_SECONDS)(_watch)(job.id)
    draw_run(job.snapshot(), job.number, settings)


def _watch(shown: str | None, invite: bool = False) -> None:
    """Draw the page again when the learner's current run is not the one it shows: a run
    started in another tab, or one this tab started whose page was lost to a dropped
    connection (Streamlit then reconnects to a page drawn before Train). With `invite`,
    before any run, the invitation to press Train and the trainers' line, kept up to date:
    "starting" becomes "ready", and the projector's counts follow the room."""
    job = current_job()
    if (job.id if job else None) != shown or (job is not None and job.history.active):
        st.rerun()
    if not invite:
        return
    invitation = ("Press **Train**: the loss and the accuracy are charted here, epoch by "
                  "epoch, as the network learns.")
    if projector():  # to be read from the back of the room
        st.subheader(invitation, anchor=False)
        st.caption(trainers_line())
    else:
        st.caption(f"{invitation} {trainers_line()}")


def _draw_live(settings: Settings | None) -> None:
    job = current_job()
    if job is None or not job.history.active:
        st.rerun()  # the whole page: Train comes back and the polling ends
    if _polling() and job.history.state != QUEUED and not job.history.download:  # it is near
        job.wait_for_first_point(FIRST_POINT_WAIT_SECONDS)
    draw_run(job.snapshot(), job.number, settings)


def _polling() -> bool:
    """Whether this is one of the fragment's own runs, not the whole page's (whose panels
    of before and after Train stand together until it ends: it must not wait)."""
    context = get_script_run_ctx()
    return bool(context is not None and context.fragment_ids_this_run)


def trainers_line() -> str:
    """The server's trainers in one line: for the first learner of the day, who waits for
    them to start, and for an instructor checking the room."""
    pool = training_pool()
    if pool.problem:
        return pool.problem
    capacity = cluster.capacity_line(pool.cluster)  # "" for this machine's own workers
    sentence = f" {capacity}." if capacity else ""
    if not pool.warm_workers:
        return f"Trainers are starting (Keras loads once, in the background).{sentence}"
    if not projector():  # the room's figures are for the instructor
        return f"Ready to train, on {', '.join(pool.devices)}.{sentence}"
    return " · ".join(filter(None, [
        f"Trainers ready: {pool.warm_workers} of {pool.size}", capacity,
        ", ".join(pool.devices),
        f"training now: {pool.training_jobs} · waiting: {pool.queued_jobs}"]))


def status_line(history: RunHistory) -> str:
    if history.state == QUEUED:
        pool, job = training_pool(), current_job()
        position = pool.queue_position(job)
        if not pool.warm_workers and position == 1 and not pool.problem:  # the day's first
            return "Starting the trainer: Keras loads once, in a few seconds, then your run."
        line = (f"Paused after {len(history.epochs)} epochs so that others can train; "
                f"number {position} in the queue" if history.epochs else
                f"Waiting for a free trainer: number {position} in the queue")
        wait = pool.seconds_to_wait(job)
        if wait is None:
            return line + "."
        timed = pool.runs_timed_like(job)
        return line + f", about {wait:.0f} s to wait " + (
            f"(from {timed} run{'s' if timed != 1 else ''} like it timed on this server)."
            if timed else "(a rough guess: no run like it has been timed on this server yet).")
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


def draw_run(history: RunHistory, number: int, settings: Settings | None = None) -> None:
    # One height for the progress and an outcome of up to two lines (layout.css), so that
    # the charts below do not move when the run ends.
    with st.container(key="run_status"):
        if history.active:
            if projector():  # the status once, large enough to read from the back of the room
                st.header(status_line(history), anchor=False)
                st.progress(_fraction_done(history))
            else:
                st.progress(_fraction_done(history), text=status_line(history))
        else:
            _outcome(history)
    changed = settings is not None and settings != history.settings
    # The projector's bar names the settings already; say them again only when they differ.
    note = f"Run #{number}" if projector() and not changed else \
        f"Run #{number} · {compare.headline(history.settings)}"
    if changed:
        note += " · the controls have changed since: press Train to run them"
    st.caption(note)
    if history.state == QUEUED and training_pool().problem:  # a cluster out of reach
        st.caption(training_pool().problem)
    elif history.state == QUEUED and training_pool().warm_workers == 0 and \
            training_pool().queue_position(current_job()) > 1:
        st.caption("The trainers are starting up: Keras takes a few seconds to load once.")
    faint, is_pinned = pins.faint_runs(number, history)
    _charts(history, faint, pins.caption(faint, is_pinned))  # empty axes until the first
    # point: the page does not move
    if history.info:
        st.caption(
            f"Training on {history.info['train_images']:,} images, validating on "
            f"{history.info['validation_images']:,}; {history.info['steps_per_epoch']} batches "
            f"of {history.settings.batch_size} per epoch, on {history.device}."
        )
    pins.control(number)


def _charts(history: RunHistory, faint: list[tuple[str, RunHistory]] = (),
            faint_caption: str = "", rest=None) -> None:
    """Loss and accuracy side by side, where the eye is; the per-batch curve and the chosen
    metrics, which matter less, after them and smaller, in `rest` if given. `faint`: earlier
    runs (pinned, or the one before), drawn faintly under the loss and accuracy, and named
    under them by `faint_caption`."""
    from fitlab import charts  # Altair: imported with the first chart, not at start-up

    # The best epoch is marked once the exercise that asks for it is done: not before.
    mark_best = "best_epoch" in exercises_view.progress()
    if projector():
        _projector_charts(history, mark_best, faint, faint_caption)
        return
    height = 280
    for number, row in enumerate([("loss", "accuracy"), *_pairs(history.settings.metrics)]):
        # The loss and accuracy come first in the run's panel (layout.css), above the run's
        # status, outcome and notes, whose length then moves them not at all.
        place = st.container(key="main_charts") if number == 0 else rest or st
        for column, metric in zip(place.columns(2), row):
            shown = tuple(faint) if metric in ("loss", "accuracy") else ()
            _chart(column, lambda metric=metric, shown=shown: charts.epoch_chart(
                       history, metric, mark_best=mark_best, faint=shown),
                   f"{metric}_chart", height,
                   _epochs_drawn(history, metric, mark_best, faint=shown))
        if number == 0 and faint_caption:  # the faint lines' numbers, under them
            place.caption(faint_caption)
        height = 220  # the chosen metrics' rows: smaller
    _chart(rest or st, lambda: charts.batch_chart(history), "batch_chart", 200,
           _batches_drawn(history))


def _chart(place, build, key: str, height: int, drawn: tuple) -> None:
    """A chart and its text alternative, what it shows now in words (charts.describe), read
    by a screen reader and hidden from sight (layout.css). Vega's SVG does not name itself
    with the chart's description, and Streamlit's chart takes no alternative text.

    `build()` makes the Altair chart; `drawn` is what it is drawn from (_epochs_drawn,
    _batches_drawn). A chart this tab drew last from the same is sent again as Streamlit
    made it then, without building it: Altair's schema checks and Streamlit's conversion
    of its data were most of a live page's redraw (docs/performance.md, "What a live
    learner costs the server"), and the epoch charts change only once an epoch. Whatever
    a chart is drawn from must be in `drawn`, or the page shows it stale."""
    kept = st.session_state.setdefault("charts_drawn", {})
    if key not in kept or kept[key][0] != drawn:
        chart = build()
        kept[key] = (drawn, chart.description, _vega_lite(chart, key))
    _, description, spec = kept[key]
    place.container(key=f"{key}_text").markdown(description)
    # a copy: Streamlit takes the data out of the spec it is given
    place.vega_lite_chart(spec=copy.deepcopy(spec), key=key, height=height)


def _vega_lite(chart, key: str) -> dict:
    """The Vega-Lite spec st.altair_chart would send for `chart`, its data already in
    Arrow's format: Streamlit's own conversion, so that the page is the same either way.

    Altair checks the whole spec against Vega-Lite's schema as Streamlit converts it: a
    third of a live redraw's CPU once the collection after each run was off (py-spy). The
    run's charts are Fit Lab's own code, never a learner's spec, and a chart of the same
    `key` differs from the last only in its data: the first of each key in this process
    is checked, the later ones are not (Altair's `to_dict(validate=False)`)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    _check_charts_once()
    if key in _CHECKED:
        # object.__setattr__: Altair takes an attribute set on a chart for a chart property
        object.__setattr__(chart, "to_dict", functools.partial(chart.to_dict, validate=False))
    spec = _convert_altair_to_vega_lite_spec(chart)
    _CHECKED.add(key)
    return spec


_CHECKED: set[str] = set()  # the chart keys converted once with Altair's schema check


@functools.cache
def _check_charts_once() -> None:
    """Altair checks each part of a chart against Vega-Lite's schema as it is made (its
    debug mode), and the whole chart again when Streamlit converts it. The run's charts
    are Fit Lab's own code, never a learner's spec, so the check of the whole is enough:
    the parts' checks, the data's rows included, were a fifth of a live redraw (py-spy)."""
    import altair

    altair.utils.schemapi.disable_debug_mode()


def _epochs_drawn(history: RunHistory, *choices,
                  faint: tuple[tuple[str, RunHistory], ...] = ()) -> tuple:
    """What an epoch chart of `history` is drawn from (fitlab.charts.epoch_chart reads its
    epochs, settings and classes, and the faint runs' labels and epochs): equal, the same
    chart."""
    return (choices, tuple((label, _epochs_drawn(run)) for label, run in faint),
            history.settings, history.info.get("class_names"), len(history.epochs),
            history.epochs[-1] if history.epochs else None)


def _batches_drawn(history: RunHistory, *choices) -> tuple:
    """What the per-batch chart of `history` is drawn from (fitlab.charts.batch_chart): its
    records only grow, so their number and the last one tell a change."""
    return (choices, history.settings, history.info.get("class_names"),
            history.info.get("steps_per_epoch"), len(history.batches),
            history.batches[-1] if history.batches else None)


def _projector_charts(history: RunHistory, mark_best: bool,
                      faint: list[tuple[str, RunHistory]] = (),
                      faint_caption: str = "") -> None:
    """For the back of the room, the three charts side by side on one screen: the per-batch
    curve beside the epochs' is the one that moves during the first epoch, where a learning
    rate of 1.0 breaks down and its outcome points. The chosen metrics follow, three a row."""
    from fitlab import charts

    main = st.container(key="main_charts")  # first in the run's tab (layout.css)
    row = main.columns(3)
    for column, metric in zip(row, ("loss", "accuracy")):
        _chart(column, lambda metric=metric: charts.epoch_chart(
                   history, metric, large=True, mark_best=mark_best, faint=faint),
               f"{metric}_chart", PROJECTOR_HEIGHT,
               _epochs_drawn(history, metric, True, mark_best, faint=faint))
    _chart(row[2], lambda: charts.batch_chart(history, large=True), "batch_chart",
           PROJECTOR_HEIGHT, _batches_drawn(history, True))
    if faint_caption:
        main.caption(faint_caption)
    names = history.settings.metrics
    for start in range(0, len(names), 3):
        for column, metric in zip(st.columns(3), names[start:start + 3]):
            _chart(column, lambda metric=metric: charts.epoch_chart(
                       history, metric, large=True, mark_best=mark_best),
                   f"{metric}_chart", 420, _epochs_drawn(history, metric, True, mark_best))


def _pairs(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [names[start:start + 2] for start in range(0, len(names), 2)]


def _outcome(history: RunHistory) -> None:
    scored = [record for record in history.epochs if "val_accuracy" in record]
    summary = ""
    if scored and history.state == EARLY_STOPPED:
        # Early stopping kept the weights of the epoch with the lowest validation loss: its
        # figures are the trained model's, not those of the last epoch trained.
        kept = min(scored, key=lambda record: record["val_loss"])
        summary = (f" Epoch {kept['epoch']}: validation accuracy {kept['val_accuracy']:.3f}, "
                   f"validation loss {kept['val_loss']:.3f}; after {history.elapsed():.0f} s.")
    elif scored:
        last = scored[-1]
        summary = (f" Final validation accuracy {last['val_accuracy']:.3f}, "
                   f"validation loss {last['val_loss']:.3f}, after {history.elapsed():.0f} s.")
    if history.state in (FINISHED, EARLY_STOPPED):
        st.success(history.message + summary)
    elif history.state == STOPPED:
        st.info(history.message + summary)
    elif history.state == DIVERGED:
        st.error(f"**The loss diverged.** {history.message}")
    elif history.state == COLLAPSED:
        st.error(history.message)  # it opens with "The network stopped learning"
    else:
        st.warning(f"**The run failed.** {history.message}")

