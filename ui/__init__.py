"""What the pages in `app_pages/` are made of. A page with parts of its own has a view
named after it (`data_view`, `evaluate_view`, `exercises_view`, `explorer_view`, `runs_view`); the
Train page is made of the lesson (`lesson_view`), the settings' controls (`controls`; the data
set's, `dataset_controls`, which the data page shares; each bound to the link and hidden or locked
by an instructor through `link_controls`), its menus (`scenario_menu`, `model_and_code`) and the
live run (`run_panel`). `state` holds the session's state (the one training pool and run store, who
the learner is, their runs); `layout` the one-screen layout and its stylesheet.

Like the pages, nothing here imports Keras: training happens in fitlab's worker processes.
"""
