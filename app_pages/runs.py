"""Your runs: every run of this browser tab, to re-run, delete, download and compare."""

import streamlit as st

from fitlab.jobs import FINISHED_JOBS_KEPT_PER_OWNER
from ui import run_history

st.title("Your runs")
st.markdown(
    "The lesson's way of learning is to change one setting and see what happens. Every run "
    f"you train in this tab is kept here (the last {FINISHED_JOBS_KEPT_PER_OWNER}), with its "
    "settings, seed and history, so that you can put them side by side."
)

runs = run_history.session_runs()
if not runs:
    st.info("No runs yet: press **Train** on *Compile and train*, and come back.")
else:
    chosen = run_history.table(runs)
    run_history.actions(runs)
    st.subheader("Compare runs")
    run_history.comparison(runs, chosen)
