"""Exercises: tasks Fit Lab checks from your own runs, with hints, and your progress."""

import streamlit as st

from fitlab import exercises
from ui import exercises_view

st.title("Exercises")
st.markdown(
    "Each task asks you to make something happen in a training run, or to read it from one. "
    "Fit Lab checks your runs as they end and ticks the task off; "
    f"{exercises.in_words(exercises.ANSWERED)} tasks ask for an answer, typed or chosen, "
    f"checked against Keras or your runs, and {exercises.in_words(exercises.PREDICT_FIRST)} "
    "ask you to predict what a run will do before you train it. Your ticks stay while you "
    "move between pages, and the page's address keeps them when you reload. Train on the "
    "**Compile and train** page; the lesson there has these same exercises, each in the "
    "section it belongs to.")
st.page_link("app_pages/train.py", label="Go to Compile and train",
             icon=":material/model_training:")
exercises_view.progress_line()
exercises_view.page()
