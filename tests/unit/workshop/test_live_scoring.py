"""Exercise 3's bookkeeping (secml.workshop.live_scoring): what counts as a broken promise, and
the live ROC AUC over the findings the model judged."""

from __future__ import annotations

from typing import Any

import pytest

from secml.workshop.live_scoring import LiveRun, Tracked, live_auc


def _scored(finding_id: str, verdict: str, score: float | None, label: str | None = None, **kw: Any) -> Tracked:
    record: dict[str, Any] = {"finding_verdict": verdict, "verdict": verdict, "scored_at": "2026-01-01T00:00:01.000Z"}
    if score is not None:
        record["score"] = score
    item = Tracked(finding_id, 1767225600.0, label, records=[record], live_keys={f"{finding_id}.e1"})
    for key, value in kw.items():
        setattr(item, key, value)
    return item


def test_a_clean_run_has_no_problems() -> None:
    tracked = {
        "a": _scored("a", "unusual", -1.0, sns_at=[1767225602.0]),
        "b": _scored("b", "usual", 1.0),
    }
    assert LiveRun(tracked, 0, "off", 2.0).problems() == []


@pytest.mark.parametrize(
    ("broken", "dead_letters", "problem"),
    [
        ({"a": Tracked("a", 0.0)}, 0, "never scored"),
        ({"a": _scored("a", "usual", 1.0, live_keys={"a.e1", "a.e2"})}, 0, "more than once"),
        ({"a": _scored("a", "unusual", -1.0)}, 0, "not on SNS exactly once"),
        ({"a": _scored("a", "unusual", -1.0, sns_at=[1.0, 2.0])}, 0, "not on SNS exactly once"),
        ({"a": _scored("a", "usual", 1.0, sns_at=[1.0])}, 0, "not unusual"),
        ({"a": _scored("a", "usual", 1.0)}, 1, "dead-letter"),
    ],
)
def test_every_broken_promise_is_reported(broken: dict[str, Tracked], dead_letters: int, problem: str) -> None:
    (found,) = LiveRun(broken, dead_letters, "off", 1.0).problems()
    assert problem in found


def test_live_auc_ranks_low_scores_as_attacks_and_leaves_out_what_was_not_judged() -> None:
    tracked = {
        "a": _scored("a", "unusual", -2.0, "attack"),
        "b": _scored("b", "usual", 0.5, "benign"),
        "c": _scored("c", "usual", -1.0, "benign"),
        "d": _scored("d", "unseen_principal", None, "attack"),
    }
    auc, judged = live_auc(tracked)
    assert auc == 1.0 and judged == ["a", "b", "c"]
    assert live_auc({"a": tracked["a"]}) == (None, ["a"])
