"""The server's one training pool and run store, who the learner is, their runs and their
current run."""

from __future__ import annotations

import logging
import time
import uuid

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fitlab import cluster, config, data
from fitlab.history import RunHistory
from fitlab.job import Job
from fitlab.pool import WorkerPool
from fitlab.store import LEARNER_ID, RunStore

LEARNER_COOKIE = "fitlab_learner"


def run_store() -> RunStore:
    """Where every learner's runs and files are kept, across reloads and restarts. A database
    Fit Lab cannot use (FITLAB_DATABASE_URL) ends the page with its one sentence, also in
    the server's log, and the next page tries again."""
    try:
        return _run_store()
    except config.ConfigError as error:
        logging.getLogger("fitlab").error("%s", error)
        st.error(str(error))
        st.stop()


@st.cache_resource(show_spinner=False)
def _run_store() -> RunStore:
    return RunStore()


@st.cache_resource(show_spinner=False)
def _tabs_of() -> dict[str, set[str]]:
    """Each learner's tabs (Streamlit sessions) seen by this server."""
    return {}


def _learner_is_here(learner: str) -> bool:
    """False once none of the learner's tabs is connected."""
    if not st.runtime.exists():  # AppTest and bare scripts have no server to ask
        return True
    runtime = st.runtime.get_instance()
    tabs = _tabs_of().get(learner, set())
    for tab in list(tabs):
        if not runtime.is_active_session(tab):
            tabs.discard(tab)
    if not tabs:  # a learner long gone leaves nothing here; their next visit adds them again
        _tabs_of().pop(learner, None)
    return bool(tabs)


@st.cache_resource(show_spinner=False)
def training_pool() -> WorkerPool:
    """Started once per server; its workers import Keras in the background at once. With
    FITLAB_RAY_ADDRESS they are trainers on that Ray cluster (fitlab.cluster)."""
    _log_runs_to_the_console()
    return WorkerPool(owner_alive=_learner_is_here, store=run_store(),
                      grace=float(st.get_option("server.disconnectedSessionTTL")),
                      max_run_seconds=config.max_run_seconds(), **cluster.pool_options())


def _log_runs_to_the_console() -> None:
    """One line per run queued, started and ended, for whoever watches the server."""
    logger = logging.getLogger("fitlab")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s fitlab: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def learner() -> str:
    """Who is at this browser: the id in Fit Lab's cookie, or a new one on a first visit
    (`layout.remember_learner` then writes it into the cookie). Runs belong to a learner,
    so a reload or a second tab finds them; a shared link carries no cookie, so no runs."""
    if "learner" not in st.session_state:
        cookie = st.context.cookies.get(LEARNER_COOKIE, "") if st.runtime.exists() else ""
        known = isinstance(cookie, str) and LEARNER_ID.fullmatch(cookie)  # AppTest: a mock
        st.session_state.learner = cookie if known else uuid.uuid4().hex
        st.session_state.learner_cookie_due = True  # once a tab: each visit renews its day
    _renew_seen(st.session_state.learner)
    context = get_script_run_ctx()
    if context is not None:
        _tabs_of().setdefault(st.session_state.learner, set()).add(context.session_id)
    return st.session_state.learner


SEEN_EVERY_SECONDS = 300.0


def _renew_seen(learner: str) -> None:
    """Say in the store that the learner is here, on a tab's first run and then every few
    minutes while a tab is open (its fragments rerun it): the size bound never removes a
    learner active today (fitlab/store.py). A visit that keeps nothing writes no row."""
    now = time.time()
    if now - st.session_state.get("seen_written_at", 0.0) >= SEEN_EVERY_SECONDS:
        st.session_state.seen_written_at = now
        # a row once the learner keeps something (an upload made their folder)
        run_store().seen(learner, add=run_store().folder_of(learner).is_dir())


def learner_cookie_due() -> str | None:
    """The learner id, to be written into the browser's cookie: on every run of a tab
    whose browser did not send it, since a run cut short by the learner's next click never
    reaches the browser; once a tab otherwise, to renew its day."""
    learner()
    renew = st.session_state.pop("learner_cookie_due", False)
    sent = st.context.cookies.get(LEARNER_COOKIE) if st.runtime.exists() else None
    return st.session_state.learner if renew or sent != st.session_state.learner else None


def session_runs() -> list[tuple[Job, RunHistory]]:
    """The learner's runs, oldest first, each with a snapshot of its history, which a run
    still training does not change while a page draws or checks it."""
    return [(job, job.snapshot()) for job in training_pool().runs_of(learner())]


def current_job() -> Job | None:
    """The run this tab shows: the learner's run in progress, wherever it was started, else
    the one this tab last chose, else the learner's latest."""
    runs = training_pool().runs_of(learner())
    active = [job for job in runs if job.history.active]
    if active:
        return active[-1]
    chosen = training_pool().get(st.session_state.get("job_id"))
    if chosen is not None and chosen.owner == learner():
        return chosen
    return runs[-1] if runs else None


def learner_folder():
    """The learner's own folder for uploaded photos and trained models, kept with their runs."""
    return run_store().folder_of(learner())  # made by the first upload, not by a visit


@st.cache_resource(show_spinner="Loading the data set…", max_entries=4)
def dataset_arrays(source: str):
    """A data set's arrays, loaded once per server and shared, read-only, by every session."""
    x_train, y_train, x_test, y_test, class_names = data.load(source)
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False
    return x_train, y_train, x_test, y_test, class_names


def start_run(settings):
    """Queue a run for this session, its trained model to be saved in the session's folder.
    Raises PoolBusy when this session already has a run waiting or training."""
    save_to = run_store().learner_folder(learner()) / f"model-{uuid.uuid4().hex[:8]}.keras"
    # the address groups one person's many cookies in the pool's order (fitlab/pool.py)
    client = (st.context.ip_address or "") if st.runtime.exists() else ""
    from ui import class_view  # it reads the learner from here

    job = training_pool().submit(settings, owner=learner(), save_to=str(save_to),
                                 client=client, first=class_view.is_instructor())
    st.session_state.job_id = job.id
    return job


def keep_view() -> None:
    """Keep ?view=projector for the tab's session, on every page: the header's links to the
    other pages carry no address. The router calls this before each page."""
    if st.query_params.get("view") == "projector":
        st.session_state.projector = True
    elif st.session_state.get("projector"):
        st.query_params["view"] = "projector"


def projector() -> bool:
    """The projector view: large type and charts, for the back of a room."""
    return st.session_state.get("projector", False)
