"""Fit Lab's engine, everything that is not a page. docs/design.md maps its modules; in
short: a run's settings (`settings`, one field per setting) and how a link spells them
(`links`); the data sets (`datasets`, the table of built-in ones; `data`, with `shapes`
drawing the offline default, `downloads` fetching Keras' three, `images` reading photo
folders and zips, `uploads` keeping a learner's); the lesson's two CNNs (`models`); a run
(`training`, its named steps) and how it ended (`diagnosis`); what the server and a trainer
say to each other (`protocol`); the worker processes that train and the pool that feeds
them (`worker`, `worker_process`, `job`, `pool`, and `cluster` with `ray_trainer` and
`ray_connection` for a Ray cluster); run histories (`history`) and the run store (`store`);
what Fit Lab reads from its environment (`config`); charts of a run, of the other pages and
their style, runs compared, the exported Keras code (`charts`, `page_charts`, `chart_style`,
`compare`, `export`); the lesson
text with its exercises and scenarios (`lesson`, `exercises`, `scenarios`), the exercises'
checks of runs (`run_checks`) and the compile challenge (`compile_challenge`, reading
Keras' names from `keras_names`, judged by Keras in `python -m fitlab.judge`); the
learning-rate explorer (`explorer`); and the command line (`python -m fitlab`).

Nothing in this package imports Streamlit. Keras is imported only where training happens:
by `training` (in the workers and the command line), by `judge` in its own process, and
lazily by `models.build_model` and `devices.device_name`, which only training calls.
"""
