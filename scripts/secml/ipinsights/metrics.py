"""Quality figures for IP Insights models: ROC AUC, precision at a recall, and the discriminator AUC
that SageMaker reports as validation:discriminator_auc."""

from __future__ import annotations

import numpy as np

DISCRIMINATOR_AUC = "validation:discriminator_auc"


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of `scores` ranking label-1 rows above label-0 rows (the Mann-Whitney
    statistic, ties counted half)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both classes")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # Average rank within each run of tied scores.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [scores.size]))
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def precision_at_recall(scores: np.ndarray, labels: np.ndarray, recall: float) -> float:
    """Precision at the highest threshold that flags at least `recall` of the label-1 rows."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    order = np.argsort(-scores, kind="mergesort")
    hits = np.cumsum(labels[order])
    needed = int(np.ceil(recall * labels.sum()))
    cut = int(np.searchsorted(hits, needed))
    # Rows tied with the cut row are flagged with it: a threshold cannot split equal scores.
    threshold = scores[order][cut]
    flagged = scores >= threshold
    return float(labels[flagged].sum() / flagged.sum())


def discriminator_auc(observed_scores: np.ndarray, random_ip_scores: np.ndarray) -> float:
    """SageMaker's validation metric: how well dot products separate observed (entity, IP) pairs from
    the same entities paired with random IPs (observed should score higher)."""
    scores = np.concatenate((observed_scores, random_ip_scores))
    labels = np.concatenate((np.ones(observed_scores.size, bool), np.zeros(random_ip_scores.size, bool)))
    return roc_auc(scores, labels)
