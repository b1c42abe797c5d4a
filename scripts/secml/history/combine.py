"""`unusualness`: one number in [0, 1] from the IP Insights score and the history's normality.

Both parts are first made comparable the only way that holds for any account: as tail shares of
held-out normal pairs (pairs the model and the history never saw, the ones the report calibrates on).
`p_model` is the share of those pairs scoring at or below the finding's IP Insights score, `p_history`
the same for the history's normality. They are combined as a weighted Fisher statistic,
-(w log p_model + (1 - w) log p_history), and the statistic is mapped back through its own
distribution on the held-out pairs, so unusualness 0.995 reads "more unusual than 99.5 % of normal
activity the model had not seen".

The weight w is where the parts differ in worth. Equal weights (plain Fisher) let a weak part pull
the ranking below the better part alone: an IP Insights model that learnt little from a 20-principal
account cost 0.007 AUC against the history alone. So w is chosen on contrast pairs
(secml.history.contrast: the held-out principals at addresses they never used, drawn from the
training data: the account's, near their own, random; IP Insights' own objective): of the weights 0, 0.05, ..., 1, the one whose statistic
best separates held-out pairs from contrast pairs (ROC AUC), the one nearest 0.5 among equals. w = 0
and w = 1 are the parts alone, so on the contrast pairs the combination never loses to the better
part. No labels are used and nothing is random once the contrast pairs are drawn, so the ranking is
the same for the same seed. Without contrast pairs w is 0.5 (Fisher), and the combiner says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from secml.ipinsights.metrics import roc_auc

WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)
EQUAL_WEIGHT = 0.5


def _sorted_finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    return np.sort(values[np.isfinite(values)])


def tail_share(normal_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of normal values at or below each value, with add-one smoothing (never 0)."""
    below = np.searchsorted(normal_sorted, np.asarray(values, dtype=np.float64), side="right")
    return (below + 1.0) / (normal_sorted.size + 1.0)


@dataclass(frozen=True)
class Weighing:
    """How the model weight was chosen: the contrast AUC of every weight tried (empty without
    contrast pairs)."""

    model_weight: float
    contrast_auc: dict[float, float]

    def describe(self) -> str:
        if not self.contrast_auc:
            return f"IP Insights and history weighed equally (w={self.model_weight:.2f}): no contrast pairs given"
        model, history = self.contrast_auc[1.0], self.contrast_auc[0.0]
        chosen = self.contrast_auc[self.model_weight]
        return (
            f"IP Insights weight {self.model_weight:.2f}, history {1 - self.model_weight:.2f}: contrast-pair AUC "
            f"{chosen:.4f} (IP Insights alone {model:.4f}, history alone {history:.4f})"
        )


@dataclass(frozen=True)
class Combiner:
    """The held-out normal pairs' two scores and combined statistics, each sorted, and the weight."""

    model_scores: np.ndarray
    normalities: np.ndarray
    statistics: np.ndarray
    weighing: Weighing

    @classmethod
    def fit(
        cls,
        model_scores: np.ndarray,
        normalities: np.ndarray,
        contrast_scores: np.ndarray | None = None,
        contrast_normalities: np.ndarray | None = None,
    ) -> Combiner:
        """From the held-out normal pairs (one row per occurrence; rows with a non-finite score or
        normality are left out) and, when given, the contrast pairs' scores and normalities."""
        model_scores = np.asarray(model_scores, dtype=np.float64)
        normalities = np.asarray(normalities, dtype=np.float64)
        usable = np.isfinite(model_scores) & np.isfinite(normalities)
        if not usable.any():
            raise ValueError("no held-out pair has both an IP Insights score and a history normality")
        sorted_scores = _sorted_finite(model_scores[usable])
        sorted_normalities = _sorted_finite(normalities[usable])
        normal_tails = _log_tails(sorted_scores, sorted_normalities, model_scores[usable], normalities[usable])
        weighing = Weighing(EQUAL_WEIGHT, {})
        if contrast_scores is not None and contrast_normalities is not None:
            contrast_scores = np.asarray(contrast_scores, dtype=np.float64)
            contrast_normalities = np.asarray(contrast_normalities, dtype=np.float64)
            scored = np.isfinite(contrast_scores) & np.isfinite(contrast_normalities)
            contrast_tails = _log_tails(
                sorted_scores, sorted_normalities, contrast_scores[scored], contrast_normalities[scored]
            )
            weighing = choose_weight(normal_tails, contrast_tails)
        statistic = _statistic(normal_tails, weighing.model_weight)
        return cls(sorted_scores, sorted_normalities, np.sort(statistic), weighing)

    @property
    def model_weight(self) -> float:
        return self.weighing.model_weight

    def statistic(self, model_scores: np.ndarray, normalities: np.ndarray) -> np.ndarray:
        tails = _log_tails(self.model_scores, self.normalities, model_scores, normalities)
        return _statistic(tails, self.model_weight)

    def unusualness(self, model_scores: np.ndarray, normalities: np.ndarray) -> np.ndarray:
        """Share of held-out normal pairs whose combined statistic is strictly below each pair's:
        0 = as usual as the most usual normal pair, 1 = more unusual than every one of them."""
        statistic = self.statistic(model_scores, normalities)
        return np.searchsorted(self.statistics, statistic, side="left") / float(self.statistics.size)


def choose_weight(normal_tails: np.ndarray, contrast_tails: np.ndarray) -> Weighing:
    """The weight of WEIGHTS that best separates normal from contrast pairs; among equal AUCs the
    one nearest EQUAL_WEIGHT, then the smaller (a stable order, so the choice is deterministic)."""
    if contrast_tails.shape[0] == 0:
        return Weighing(EQUAL_WEIGHT, {})
    labels = np.concatenate([np.zeros(normal_tails.shape[0], bool), np.ones(contrast_tails.shape[0], bool)])
    both = np.concatenate([normal_tails, contrast_tails])
    aucs = {float(w): roc_auc(_statistic(both, float(w)), labels) for w in WEIGHTS}
    best = max(aucs.values())
    chosen = min((w for w, auc in aucs.items() if auc >= best - 1e-12), key=lambda w: (abs(w - EQUAL_WEIGHT), w))
    return Weighing(chosen, aucs)


def _log_tails(
    sorted_scores: np.ndarray, sorted_normalities: np.ndarray, scores: np.ndarray, normalities: np.ndarray
) -> np.ndarray:
    """-log p_model and -log p_history, one row per pair. A missing part (NaN, or +inf normality
    for a principal the history lacks) sorts above every normal value: tail 1, neutral."""
    model = -np.log(tail_share(sorted_scores, scores))
    history = -np.log(tail_share(sorted_normalities, normalities))
    return np.column_stack([model, history])


def _statistic(tails: np.ndarray, model_weight: float) -> np.ndarray:
    return model_weight * tails[:, 0] + (1.0 - model_weight) * tails[:, 1]
