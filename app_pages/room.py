"""Class: learners join a class here; its instructor, with the key in the address
(`?class=CODE&key=KEY`, from `python -m fitlab class open`), sees the room and steers it."""

import streamlit as st

from ui import room_view

st.title("Class")
opened = room_view.instructor_key()  # refuses a key that does not match, in a sentence
if opened:
    room_view.instructor_page(*opened)
elif not st.query_params.get("key"):
    room_view.learner_page()
