from __future__ import annotations

import numpy as np
import pytest
from report_samples import training_scores_csv

from secml.core.errors import InputError
from secml.report import join, threshold


def test_calibrated_threshold_flags_the_chosen_share_of_training_pairs() -> None:
    normal = threshold.normal_scores(join.parse_scores(training_scores_csv(200)))
    chosen = threshold.calibrate(normal, false_positive_rate=0.05)
    assert np.count_nonzero(normal < chosen.value) == 10
    assert chosen.false_positive_rate == 0.05
    assert "10 of 200 held-out training pairs" in chosen.describe()
    assert "5.00%" in chosen.describe()


def test_unseen_and_unscored_pairs_do_not_calibrate() -> None:
    scores = [join.Score("a", "1.1.1.1", 1.0, True), join.Score("b", "1.1.1.1", -9.0, False)]
    scores.append(join.Score("a", "::1", None, True))
    assert threshold.normal_scores(scores).tolist() == [1.0]


def test_every_repeat_of_a_pair_weighs_in_the_calibration() -> None:
    rows = "principal,ip,dot_product,seen_principal\n" + "a,1.1.1.1,5.0,true\n" * 9 + "b,2.2.2.2,0.0,true\n"
    normal = threshold.normal_scores(join.parse_scores(rows))
    assert normal.size == 10
    assert threshold.calibrate(normal, 0.1).value == 5.0  # 1 of 10 below: the single low pair


@pytest.mark.parametrize("rate", [0.0, 1.0, -0.1, 2.0])
def test_false_positive_rate_must_be_a_proportion(rate: float) -> None:
    with pytest.raises(InputError, match="false-positive rate must be between 0 and 1"):
        threshold.calibrate(np.array([1.0, 2.0]), rate)


def test_no_training_scores_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no scored training pairs"):
        threshold.calibrate(np.array([]), 0.01)


def test_fixed_threshold_says_it_was_set_by_hand() -> None:
    chosen = threshold.fixed(-1.25)
    assert chosen.value == -1.25 and chosen.false_positive_rate is None
    assert "set by hand" in chosen.describe()
    with pytest.raises(InputError):
        threshold.fixed(float("nan"))
