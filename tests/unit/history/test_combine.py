"""The weighted combination: chosen on contrast pairs, never below the better part on a constructed
account where one part is noise, deterministic; and the contrast pairs themselves."""

from __future__ import annotations

import numpy as np

from secml.history import contrast, index
from secml.history.combine import EQUAL_WEIGHT, Combiner, choose_weight
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.metrics import roc_auc


def _parts(rng: np.random.Generator, size: int, attack: bool) -> tuple[np.ndarray, np.ndarray]:
    """A strong history (attacks 3 units less normal) and a model score that is pure noise."""
    normality = rng.normal(-3.0 if attack else 0.0, 1.0, size)
    score = rng.normal(0.0, 1.0, size)
    return score, normality


def test_a_noise_part_gets_no_weight_and_the_combination_keeps_the_better_part() -> None:
    rng = np.random.default_rng(3)
    held_scores, held_normality = _parts(rng, 2_000, attack=False)
    contrast_scores, contrast_normality = _parts(rng, 2_000, attack=True)
    test_normal, test_attack = _parts(rng, 1_000, attack=False), _parts(rng, 1_000, attack=True)
    labels = np.repeat([False, True], 1_000)
    scores = np.concatenate([test_normal[0], test_attack[0]])
    normality = np.concatenate([test_normal[1], test_attack[1]])

    weighted = Combiner.fit(held_scores, held_normality, contrast_scores, contrast_normality)
    fisher = Combiner.fit(held_scores, held_normality)
    assert weighted.model_weight < 0.2
    assert fisher.model_weight == EQUAL_WEIGHT
    history_alone = roc_auc(-normality, labels)
    assert roc_auc(weighted.unusualness(scores, normality), labels) >= history_alone - 0.005
    # Equal weights let the noise pull the ranking well below the history alone.
    assert roc_auc(fisher.unusualness(scores, normality), labels) < history_alone - 0.01
    assert "IP Insights weight" in weighted.weighing.describe()
    assert "no contrast pairs" in fisher.weighing.describe()


def test_two_equally_useful_parts_are_weighed_about_equally_and_beat_each_alone() -> None:
    rng = np.random.default_rng(5)

    def pairs(size: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(shift, 1.0, size), rng.normal(shift, 1.0, size)

    held, contrasted = pairs(2_000, 0.0), pairs(2_000, -1.5)
    combiner = Combiner.fit(*held, *contrasted)
    assert 0.3 <= combiner.model_weight <= 0.7
    normal, attack = pairs(1_000, 0.0), pairs(1_000, -1.5)
    labels = np.repeat([False, True], 1_000)
    scores, normality = np.concatenate([normal[0], attack[0]]), np.concatenate([normal[1], attack[1]])
    combined = roc_auc(combiner.unusualness(scores, normality), labels)
    assert combined > max(roc_auc(-scores, labels), roc_auc(-normality, labels)) + 0.02


def test_the_weight_and_the_ranking_are_deterministic() -> None:
    rng = np.random.default_rng(11)
    held, contrasted = _parts(rng, 500, attack=False), _parts(rng, 500, attack=True)
    one, two = Combiner.fit(*held, *contrasted), Combiner.fit(*held, *contrasted)
    assert one.weighing == two.weighing
    probe = _parts(rng, 100, attack=True)
    assert np.array_equal(one.unusualness(*probe), two.unusualness(*probe))


def test_ties_in_contrast_auc_choose_the_weight_nearest_equal() -> None:
    tails = np.column_stack([np.arange(10.0), np.arange(10.0)])  # both parts rank identically
    chosen = choose_weight(tails[:5], tails[5:])
    assert chosen.model_weight == EQUAL_WEIGHT and chosen.contrast_auc[0.0] == chosen.contrast_auc[1.0] == 1.0


def test_contrast_pairs_avoid_the_principals_own_addresses_and_repeat_for_a_seed() -> None:
    names = ["alice"] * 30 + ["bob"] * 30
    ips = [f"10.1.0.{i}" for i in range(30)] + [f"10.1.0.{i}" for i in range(20)] + ["192.0.2.1"] * 10
    history = index.build(names, ips)
    principals = ["alice", "bob"] * 50
    pairs = contrast.draw(history, principals, seed=4)
    assert pairs == contrast.draw(history, principals, seed=4)
    assert pairs != contrast.draw(history, principals, seed=5)
    assert pairs.principals == principals
    ids = history.principal_ids(pairs.principals)
    addresses = parse_ipv4(pairs.ips).values
    assert not np.any(history.count_in_prefix(ids, addresses, 32) > 0)
    # A third of the rows draw from the account's addresses: for bob that is one of alice's
    # 10.1.0.20-29 (10 of 31 distinct addresses, so eight draws nearly always find one); a third are
    # near its own (same /16 to /24), a third random.
    taken_from_alice = [ip for ip in pairs.ips[1::2] if ip in set(ips)]
    assert 8 <= len(taken_from_alice) <= 30
    near_own = [ip for ip in pairs.ips[1::2] if ip.startswith(("10.1.", "192.0.")) and ip not in set(ips)]
    assert len(near_own) >= 8
    assert all(ip.startswith("10.1.0.") and int(ip.rsplit(".", 1)[1]) >= 20 for ip in taken_from_alice)


def test_near_contrast_pairs_fall_in_a_neighbouring_block_the_principal_never_used() -> None:
    # Alice used half of 10.1.5.0/24. Redrawing the last 8 to 16 bits of one of her addresses (the
    # rule before) put some near pairs at her unused 10.1.5.128-255: her own network, pairs that
    # look normal to both parts, which blurred the yardstick and weighed IP Insights too little where
    # it was the better part (small-100 shared-egress, seed 1: 0.0073 AUC below it).
    history = index.build(["alice"] * 128, [f"10.1.5.{i}" for i in range(128)])
    pairs = contrast.draw(history, ["alice"] * 600, seed=1)
    addresses = parse_ipv4(pairs.ips).values
    assert not np.any(addresses >> 8 == parse_ipv4(["10.1.5.0"]).values[0] >> 8)
    # About a third are near her own (the same /8); the others are the account's (hers, so redrawn)
    # or random.
    assert np.mean(addresses >> 24 == 10) > 0.25
