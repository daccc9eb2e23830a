"""Your runs: every run of this browser, to re-run, delete, download and compare."""

import streamlit as st

from fitlab.pool import FINISHED_JOBS_KEPT_PER_OWNER
from fitlab.store import KEEP_SECONDS
from ui import runs_view
from ui.state import session_runs

st.title("Your runs")
st.markdown(
    "The lesson's way of learning is to change one setting and see what happens. Every run "
    f"you train in this browser is kept here (the last {FINISHED_JOBS_KEPT_PER_OWNER}), with "
    "its settings, seed and history, so that you can put them side by side. They stay "
    f"through a reload, a dropped connection and a restart of the server, for "
    f"{KEEP_SECONDS / 3600:.0f} hours after your last visit; a link you share carries your "
    "settings but not your runs."
)

runs = session_runs()
if not runs:
    st.info("No runs yet: press **Train** on *Compile and train*, and come back.")
else:
    chosen = runs_view.table(runs)
    runs_view.actions(runs)
    st.subheader("Compare runs")
    runs_view.comparison(runs, chosen)
