"""The server's one training pool, and this session's current run."""

from __future__ import annotations

import logging
import uuid

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fitlab import data
from fitlab.jobs import Job, WorkerPool
from fitlab.session_folders import SessionFolders


def _session_is_open(session_id: str) -> bool:
    """False once the browser tab of that session has disconnected."""
    if not st.runtime.exists():  # AppTest and bare scripts have no server to ask
        return True
    return st.runtime.get_instance().is_active_session(session_id)


@st.cache_resource(show_spinner=False)
def training_pool() -> WorkerPool:
    """Started once per server; its workers import TensorFlow in the background at once."""
    _log_runs_to_the_console()
    return WorkerPool(owner_alive=_session_is_open)


def _log_runs_to_the_console() -> None:
    """One line per run queued, started and ended, for whoever watches the server."""
    logger = logging.getLogger("fitlab")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s fitlab: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def current_job() -> Job | None:
    return training_pool().get(st.session_state.get("job_id"))


def session_owner() -> str:
    context = get_script_run_ctx()
    return context.session_id if context else "local"


@st.cache_resource(show_spinner=False)
def session_folders() -> SessionFolders:
    """One private folder per session (uploads, trained models), removed once it has gone."""
    return SessionFolders(owner_alive=_session_is_open)


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
    save_to = session_folders().folder(session_owner()) / f"model-{uuid.uuid4().hex[:8]}.keras"
    job = training_pool().submit(settings, owner=session_owner(), save_to=str(save_to))
    st.session_state.job_id = job.id
    return job


def projector() -> bool:
    """?view=projector: large type and charts, for the back of a room."""
    return st.query_params.get("view") == "projector"
