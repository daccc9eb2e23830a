"""The one error a learner's data can raise; `fitlab.data.DataError` is the name to catch."""


class DataError(ValueError):
    """A data set that cannot be loaded or used; the message says what is wrong and what to do."""
