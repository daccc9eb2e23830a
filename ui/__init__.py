"""Helpers shared by the pages: the one training pool, the controls, the live run panel.

Like the pages, nothing here imports Keras: training happens in fitlab's worker processes.
"""
