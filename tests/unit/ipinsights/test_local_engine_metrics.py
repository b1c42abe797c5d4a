"""The quality figures the engine and its benchmark report."""

from __future__ import annotations

import numpy as np
import pytest

from secml.ipinsights.metrics import discriminator_auc, precision_at_recall, roc_auc


def pairwise_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positive, negative = scores[labels == 1], scores[labels == 0]
    wins = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return wins / (positive.size * negative.size)


def test_auc_matches_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 20, 300).astype(float)  # many ties
    labels = (rng.random(300) < scores / 25).astype(int)
    assert roc_auc(scores, labels) == pytest.approx(pairwise_auc(scores, labels))


def test_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        roc_auc(np.array([0.1, 0.2]), np.array([1, 1]))


def test_precision_at_recall() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([1, 0, 1, 1, 0, 0])
    assert precision_at_recall(scores, labels, 1 / 3) == 1.0
    assert precision_at_recall(scores, labels, 2 / 3) == pytest.approx(2 / 3)
    assert precision_at_recall(scores, labels, 1.0) == pytest.approx(3 / 4)


def test_discriminator_auc_rewards_observed_pairs_scoring_higher() -> None:
    assert discriminator_auc(np.array([3.0, 2.0]), np.array([1.0, 0.0])) == 1.0
    assert discriminator_auc(np.array([0.0]), np.array([1.0])) == 0.0
