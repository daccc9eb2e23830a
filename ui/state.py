"""The server's one training pool, and this session's current run."""

from __future__ import annotations

import streamlit as st

from fitlab.jobs import Job, WorkerPool


@st.cache_resource(show_spinner=False)
def training_pool() -> WorkerPool:
    """Started once per server; its workers import TensorFlow in the background at once."""
    return WorkerPool()


def current_job() -> Job | None:
    return training_pool().get(st.session_state.get("job_id"))


def session_owner() -> str:
    context = st.runtime.scriptrunner.get_script_run_ctx() if st.runtime.exists() else None
    return context.session_id if context else "local"
