"""What Keras 3.15.1 calls its optimizers, losses and metrics, and what each name gives: read
from Keras itself (keras/src/optimizers/__init__.py, losses/__init__.py, metrics/__init__.py,
trainers/compile_utils.py), checked entry by entry against real Keras in
tests/test_exercises.py, and written out here so that the server, which never imports Keras,
can name a misspelt one's nearest neighbour and say why a wrong answer is wrong.
"""

from __future__ import annotations

# A string optimizer is lowercased and looked up among these (optimizers.deserialize): "Adam"
# and "ADAM" work, " adam" does not. Its class, passed without (), is refused (optimizers.get).
KERAS_OPTIMIZER_STRINGS = (
    "adadelta adafactor adagrad adam adamax adamw ftrl lion lossscaleoptimizer multioptimizer "
    "muon nadam optimizer optimizermap rmsprop schedulefreeadamw sgd").split()
KERAS_OPTIMIZER_CLASSES = (
    "Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer "
    "MultiOptimizer Muon Nadam Optimizer OptimizerMap RMSprop SGD ScheduleFreeAdamW").split()
# A string loss is looked up exactly, case and underscores included (losses.get), except
# "crossentropy" and "ce" in any case, for which compile picks the cross-entropy that fits
# the labels' shape (compile_utils.get_loss). Each name -> the loss function it gives.
KERAS_LOSS_STRINGS = {
    **{name: name for name in (
        "binary_crossentropy binary_focal_crossentropy categorical_crossentropy "
        "categorical_focal_crossentropy categorical_hinge circle cosine_similarity ctc dice "
        "hinge huber kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error "
        "mean_squared_error mean_squared_logarithmic_error poisson "
        "sparse_categorical_crossentropy squared_hinge tversky").split()},
    "BCE": "binary_crossentropy", "bce": "binary_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CTC": "ctc", "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "CategoricalHinge": "categorical_hinge", "Circle": "circle",
    "CosineSimilarity": "cosine_similarity", "Dice": "dice", "Hinge": "hinge", "Huber": "huber",
    "KLD": "kl_divergence", "kld": "kl_divergence", "KLDivergence": "kl_divergence",
    "LogCosh": "log_cosh", "MAE": "mean_absolute_error", "mae": "mean_absolute_error",
    "MeanAbsoluteError": "mean_absolute_error", "MAPE": "mean_absolute_percentage_error",
    "mape": "mean_absolute_percentage_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MSE": "mean_squared_error", "mse": "mean_squared_error",
    "MeanSquaredError": "mean_squared_error", "MSLE": "mean_squared_logarithmic_error",
    "msle": "mean_squared_logarithmic_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "Poisson": "poisson",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "SquaredHinge": "squared_hinge", "Tversky": "tversky",
}
# What `keras.losses.` offers by name: each class -> the function it computes. Its functions
# (categorical_crossentropy, …) are the values, and name themselves.
KERAS_LOSS_CLASSES = {
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy", "CTC": "ctc",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy",
    "CategoricalHinge": "categorical_hinge", "Circle": "circle",
    "CosineSimilarity": "cosine_similarity", "Dice": "dice", "Hinge": "hinge", "Huber": "huber",
    "KLDivergence": "kl_divergence", "LogCosh": "log_cosh",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredError": "mean_squared_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "Poisson": "poisson",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "SquaredHinge": "squared_hinge", "Tversky": "tversky",
}
KERAS_LOSS_FUNCTIONS = set(KERAS_LOSS_CLASSES.values())
# A string metric is looked up exactly (metrics.get), except "accuracy" and "acc" in any
# case, for which compile picks the accuracy that fits the labels (compile_utils.get_metric).
# Each name -> the class it gives.
_SNAKE = {  # metrics.get's snake-case names, besides the class names themselves
    "auc": "AUC", "accuracy": "Accuracy", "bce": "BinaryCrossentropy",
    "binary_accuracy": "BinaryAccuracy", "binary_crossentropy": "BinaryCrossentropy",
    "binary_io_u": "BinaryIoU", "categorical_accuracy": "CategoricalAccuracy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_hinge": "CategoricalHinge", "concordance_correlation": "ConcordanceCorrelation",
    "cosine_similarity": "CosineSimilarity", "f1_score": "F1Score", "f_beta_score": "FBetaScore",
    "false_negatives": "FalseNegatives", "false_positives": "FalsePositives", "hinge": "Hinge",
    "io_u": "IoU", "kl_divergence": "KLDivergence", "log_cosh_error": "LogCoshError",
    "mae": "MeanAbsoluteError", "MAE": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError", "MAPE": "MeanAbsolutePercentageError",
    "mean": "Mean", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError", "mean_io_u": "MeanIoU",
    "mean_metric_wrapper": "MeanMetricWrapper", "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError", "metric": "Metric",
    "mse": "MeanSquaredError", "MSE": "MeanSquaredError",
    "msle": "MeanSquaredLogarithmicError", "MSLE": "MeanSquaredLogarithmicError",
    "BCE": "BinaryCrossentropy", "one_hot_io_u": "OneHotIoU",
    "one_hot_mean_io_u": "OneHotMeanIoU", "pearson_correlation": "PearsonCorrelation",
    "poisson": "Poisson", "precision": "Precision", "precision_at_recall": "PrecisionAtRecall",
    "r2_score": "R2Score", "recall": "Recall", "recall_at_precision": "RecallAtPrecision",
    "root_mean_squared_error": "RootMeanSquaredError",
    "sensitivity_at_specificity": "SensitivityAtSpecificity",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "specificity_at_sensitivity": "SpecificityAtSensitivity", "squared_hinge": "SquaredHinge",
    "sum": "Sum", "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "true_negatives": "TrueNegatives", "true_positives": "TruePositives",
}
KERAS_METRIC_CLASSES = sorted(set(_SNAKE.values()))
KERAS_METRIC_STRINGS = {**{name: name for name in KERAS_METRIC_CLASSES}, **_SNAKE}
# What `keras.metrics.` offers by name besides its classes: functions -> the class computing
# the same thing, or the function's own name where there is no such class.
KERAS_METRIC_FUNCTIONS = {
    "binary_accuracy": "BinaryAccuracy", "binary_crossentropy": "BinaryCrossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "categorical_accuracy": "CategoricalAccuracy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "categorical_hinge": "CategoricalHinge", "concordance_correlation": "ConcordanceCorrelation",
    "hinge": "Hinge", "huber": "huber", "kl_divergence": "KLDivergence",
    "log_cosh": "log_cosh", "mean_absolute_error": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_error": "MeanSquaredError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "pearson_correlation": "PearsonCorrelation", "poisson": "Poisson",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy",
    "squared_hinge": "SquaredHinge", "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
}
