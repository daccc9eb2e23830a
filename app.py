"""Fit Lab: the router. Page config, the pages, and the sidebar every page shares."""

import streamlit as st

from ui import exercises_view
from ui.state import training_pool

st.set_page_config(page_title="Fit Lab", page_icon="🧪", layout="wide")

page = st.navigation([
    st.Page("app_pages/train.py", title="Compile and train", icon="🏋️", default=True),
    st.Page("app_pages/explorer.py", title="Learning-rate explorer", icon="⛰️"),
    st.Page("app_pages/exercises.py", title="Exercises", icon="✅"),
    st.Page("app_pages/data.py", title="Look at the data", icon="🖼️"),
    st.Page("app_pages/runs.py", title="Your runs", icon="📊"),
    st.Page("app_pages/evaluate.py", title="Evaluate", icon="🎯"),
    st.Page("app_pages/about.py", title="About Fit Lab", icon="ℹ️"),
])

exercises_view.update()  # a run that has just ended may complete an exercise

with st.sidebar:
    exercises_view.sidebar()
    pool = training_pool()
    if pool.problem:
        st.error(pool.problem)
    elif pool.warm_workers:
        st.caption(f"Trainers ready: {pool.warm_workers} of {pool.size} · "
                   f"{', '.join(pool.devices)} · training now: {pool.training_jobs} · "
                   f"waiting: {pool.queued_jobs}")
    else:
        st.caption("Trainers are starting (TensorFlow loads once, in the background).")

page.run()
