"""SageMaker's cross-field rule on the negative sampling rates (1 <= R + S <= 500) is checked
where the single ranges are, so a configuration SageMaker would refuse fails before training."""

from __future__ import annotations

import pytest

from secml.ipinsights.hyperparameters import HyperparameterError, Hyperparameters


@pytest.mark.parametrize(("random_rate", "shuffled_rate"), [(0, 0), (300, 201), (500, 500)])
def test_negative_sampling_rates_outside_one_to_five_hundred_are_refused(random_rate: int, shuffled_rate: int) -> None:
    with pytest.raises(HyperparameterError, match=r"random_negative_sampling_rate \+ shuffled_negative_sampling_rate"):
        Hyperparameters(random_negative_sampling_rate=random_rate, shuffled_negative_sampling_rate=shuffled_rate)


@pytest.mark.parametrize(("random_rate", "shuffled_rate"), [(1, 0), (0, 1), (250, 250), (5, 1)])
def test_negative_sampling_rates_inside_the_range_are_accepted(random_rate: int, shuffled_rate: int) -> None:
    chosen = Hyperparameters(random_negative_sampling_rate=random_rate, shuffled_negative_sampling_rate=shuffled_rate)
    assert chosen.as_sagemaker()["random_negative_sampling_rate"] == str(random_rate)


def test_the_rule_applies_to_saved_string_maps_too() -> None:
    with pytest.raises(HyperparameterError, match="= 0 is out of range"):
        Hyperparameters.from_mapping({"random_negative_sampling_rate": "0", "shuffled_negative_sampling_rate": "0"})
