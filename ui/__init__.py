"""What the pages in `app_pages/` are made of: one module of parts per page (the lesson,
the live run panel, the data, the runs, the evaluation, the exercises, the explorer), the
controls they share, the session's state (the one training pool, who the learner is, their
current run), and the layout with its stylesheet.

Like the pages, nothing here imports Keras: training happens in fitlab's worker processes.
"""
