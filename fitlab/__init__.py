"""Fit Lab's engine, everything that is not a page: settings and how a link spells them,
data sets (the offline Shapes, Keras' three downloaded sets, `.npz` files, photo folders
and zips), the lesson's two CNNs, training runs and how they end, the worker processes that
train and the pool that feeds them, run histories, charts, the exported Keras code, the
lesson text with its exercises and scenarios, the learning-rate explorer, and the command
line (`python -m fitlab`).

Nothing in this package imports Streamlit. Keras is imported only where training happens:
by `training` (in the workers and the command line), and lazily by `models.build_model` and
`devices.device_name`, which only training calls.
"""
