"""Fit Lab's engine: settings, data, the lesson's CNN, training runs and the worker pool.

Nothing in this package imports Streamlit, and only the modules that train
(`training`, the worker side of `jobs`, and the command line) import Keras, lazily.
"""
