"""Look at the data: samples, classes, shape, value range, normalisation; your own photos."""

import streamlit as st

from ui import data_view, dataset_controls, link_controls

st.title("Look at the data")
st.markdown(
    "Before training a network, look at what it will learn from: what the pictures show, "
    "how many there are of each class, and what numbers the network is actually given."
)

with st.expander("Your own photos"):
    data_view.upload_photos()

source, info = dataset_controls.choose_dataset()
link_controls.link_notices()
if info is not None:
    data_view.show(source, info)
