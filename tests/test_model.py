"""Model builders: exact parameter counts of the seed designs, the default's budget, purity."""

import numpy as np
import pytest

from training.model import BUILDERS, build_model


@pytest.mark.parametrize(
    ("name", "parameters"),
    [("seed001", 65_788), ("seed000", 2_374_506), ("seed003", 3_274_634)],
)
def test_seed_designs_have_their_published_parameter_counts(name, parameters):
    assert build_model(name).count_params() == parameters


def test_default_model_fits_the_budget_and_maps_images_to_probabilities():
    model = build_model("default")
    assert model.count_params() <= 100_000
    probabilities = model(np.zeros((2, 28, 28, 1), np.float32), training=False).numpy()
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builders_are_pure_and_take_mnist_shaped_input(name):
    model = build_model(name)
    classes = 26 if name == "letters" else 10  # EMNIST letters: A-Z, upper and lower case one class.
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, classes)
    assert model.optimizer is None  # Not compiled: training belongs to train.py.


def test_unknown_model_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown, choose one of default, letters, seed000, seed001, seed003"):
        build_model("seed002")
