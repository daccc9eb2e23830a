import pytest

from fitlab import models


@pytest.mark.keras
@pytest.mark.backend
@pytest.mark.parametrize("input_shape, num_classes, architecture", [
    ((32, 32, 3), 10, "intro"), ((28, 28, 1), 8, "intro"), ((32, 32, 3), 5, "dropout"),
    ((28, 28, 1), 10, "dropout")])
def test_the_summary_the_server_shows_matches_keras_own(input_shape, num_classes, architecture):
    model = models.build_model(input_shape, num_classes, architecture, 0.3)
    rows = models.layer_table(input_shape, num_classes, architecture)
    assert [row.kind for row in rows] == [type(layer).__name__ for layer in model.layers]
    assert [row.output_shape for row in rows] == [
        tuple(layer.output.shape[1:]) for layer in model.layers
    ]
    assert [row.parameters for row in rows] == [layer.count_params() for layer in model.layers]


def test_the_lessons_cnn_layer_by_layer():
    rows = models.layer_table((32, 32, 3), 10)
    assert [(row.kind, row.output_shape) for row in rows] == [
        ("Conv2D", (30, 30, 16)), ("MaxPooling2D", (15, 15, 16)),
        ("Conv2D", (13, 13, 32)), ("MaxPooling2D", (6, 6, 32)),
        ("Flatten", (1152,)), ("Dense", (64,)), ("Dense", (10,)),
    ]
    assert [row.name for row in rows][:3] == ["conv2d", "max_pooling2d", "conv2d_1"]


def test_images_too_small_for_the_network_are_refused_in_words():
    with pytest.raises(ValueError, match="8x8 pixels are too small"):
        models.check_input_shape((8, 8, 3))


def test_the_dropout_model_adds_a_third_convolution_and_dropout_as_the_2025_edition():
    rows = models.layer_table((32, 32, 3), 10, "dropout")
    assert [(row.kind, row.output_shape) for row in rows][4:] == [
        ("Conv2D", (4, 4, 64)), ("Dropout", (4, 4, 64)), ("Flatten", (1024,)),
        ("Dense", (64,)), ("Dense", (10,))]
    with pytest.raises(ValueError, match="needs at least 18x18"):
        models.check_input_shape((16, 16, 3), "dropout")


def test_the_smallest_image_each_model_takes_is_worked_out_from_its_layers():
    assert {key: models.smallest_input(key) for key in models.MODELS} == {
        "intro": 10, "dropout": 18}
