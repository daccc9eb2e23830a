"""Evaluate: a run's test-set loss and accuracy, confusion matrix, accuracy per class and
its answers on test images."""

import streamlit as st

from ui import evaluate_view
from ui.state import session_runs

st.title("Evaluate a run")
st.markdown(
    "Validation images steer the choices you make while training; the **test set** is kept "
    "apart to say how well the network does on pictures it has never met. Fit Lab scores a "
    "run on them after every epoch; this page shows the network as it was after the last "
    "one scored, and follows a run that is still training."
)

runs = session_runs()
if not runs:
    st.info("No runs yet: press **Train** on *Compile and train*, and come back.")
else:
    evaluate_view.show(evaluate_view.choose_run(runs))
