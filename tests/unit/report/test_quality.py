from __future__ import annotations

import pytest
from report_samples import INDEX, SCORES, TRUTH

from secml.core.errors import InputError
from secml.report import join, quality


def _findings(threshold: float) -> list[join.ScoredFinding]:
    return join.join(join.parse_index(INDEX), join.parse_scores(SCORES), threshold)


def test_finding_is_as_unusual_as_its_most_unusual_ip() -> None:
    # f-probe's lowest IP scores -0.5: below f-benign's 2.5, so the ranking is perfect.
    measured = quality.evaluate(_findings(0.0), quality.parse_truth(TRUTH), threshold=0.0)
    assert measured.roc_auc == pytest.approx(1.0)
    assert (measured.precision, measured.recall) == (1.0, 1.0)
    assert (measured.attacks, measured.benign, measured.left_out) == (2, 1, 1)  # f-new: unseen


def test_precision_and_recall_follow_the_threshold() -> None:
    truth = quality.parse_truth(TRUTH)
    strict = quality.evaluate(_findings(-1.0), truth, threshold=-1.0)
    assert (strict.precision, strict.recall) == (1.0, 0.5)  # only f-attack flagged
    loose = quality.evaluate(_findings(3.0), truth, threshold=3.0)
    assert loose.precision == pytest.approx(2 / 3) and loose.recall == 1.0


def test_precision_without_flags_and_recall_without_attacks_are_not_applicable() -> None:
    nothing_flagged = quality.evaluate(_findings(-10.0), quality.parse_truth(TRUTH), threshold=-10.0)
    assert nothing_flagged.precision is None and nothing_flagged.recall == 0.0
    assert "precision n/a, recall 0.000" in nothing_flagged.describe()
    benign_only = quality.parse_truth("finding_id,label,reason\nf-benign,benign,x\nf-attack,benign,y\n")
    no_attacks = quality.evaluate(_findings(0.0), benign_only, threshold=0.0)
    assert no_attacks.recall is None and no_attacks.precision == 0.0
    assert "recall n/a" in no_attacks.describe()


def test_ranking_errors_lower_the_auc() -> None:
    swapped = TRUTH.replace("f-benign,benign", "f-benign,attack").replace("f-attack,attack", "f-attack,benign")
    truth = quality.parse_truth(swapped)
    measured = quality.evaluate(_findings(0.0), truth, threshold=0.0)
    assert measured.roc_auc == pytest.approx(0.0)


def test_auc_needs_both_labels() -> None:
    truth = quality.parse_truth("finding_id,label,reason\nf-attack,attack,x\nf-probe,attack,y\n")
    measured = quality.evaluate(_findings(0.0), truth, threshold=0.0)
    assert measured.roc_auc is None
    assert "n/a" in measured.describe()


def test_no_labelled_scored_finding_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no finding in the report has both"):
        quality.evaluate(_findings(0.0), {"other": "attack"}, threshold=0.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [("id,label\n", "header must be finding_id,label,reason"), ("finding_id,label,reason\nf,evil,x\n", "line 2")],
)
def test_bad_truth_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        quality.parse_truth(text)
