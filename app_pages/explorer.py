"""The learning-rate explorer: gradient descent on curves small enough to see whole. No
network and no TensorFlow, so every change shows at once."""

import streamlit as st

from ui import explorer_view

st.title("Learning-rate explorer")
st.markdown(
    "Training a network is walking downhill on its loss, one step per batch, with the "
    "learning rate setting the length of each step. A network has thousands of weights, so "
    "its loss cannot be drawn; here there are only one or two, and you can watch every step. "
    "These curves are cartoons: they show what the length of a step does, not how a "
    "network's loss is shaped.")

one_weight, two_weights = st.tabs(["One weight: the learning rate",
                                   "Two weights: SGD, momentum and Adam"])
with one_weight:
    explorer_view.one_weight()
with two_weights:
    explorer_view.two_weights()
