"""The corpus of SageMaker's IP Insights tutorial, regenerated offline and vectorised.

The tutorial simulates web logins: each user has a home and a work range (the work range within
50,000 table entries of home), logs in a Pareto-distributed number of times
(`int(50 * (pareto(1) + 1))`, at most 10,000), travels to a uniformly random range with a
per-user probability ~ Beta(1, 30), and otherwise is at home with probability ~ Beta(3, 5) or at
work; the range used is a Gaussian step (sigma 10 entries) around home or work, and the address
is uniform within it. Timestamps are uniform over 10 days; the first 7 days train, the last 3
test. The evaluation set pairs held-out logins of users seen in training (label 0) with the same
number of seen users at addresses of uniformly random ranges (label 1).

The tutorial loops over users in four processes and needs an external IP-to-ASN file; here every
draw is one numpy call over all events, and the table is `networks.build_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secml.core.storage import write_text
from secml.data.networks import NetworkTable, build_table
from secml.data.size import TUTORIAL_TEST_PAIRS, TUTORIAL_USERS
from secml.ipinsights.addresses import format_ipv4

TUTORIAL_RANGES = 800_000
DAYS = 10
TRAIN_DAYS = 7
P_TRAVEL_BETA = (1.0, 30.0)
P_HOME_BETA = (3.0, 5.0)
EVENTS_PARETO_SHAPE = 1.0
EVENTS_SCALE = 50
MAX_EVENTS_PER_USER = 10_000
HOME_WORK_WINDOW = 50_000
LOCALITY_SIGMA = 10.0


@dataclass(frozen=True)
class TutorialSummary:
    users: int
    events: int
    train_pairs: int
    test_normal: int
    test_random: int
    train_path: Path
    test_path: Path


@dataclass(frozen=True)
class Logins:
    """Every simulated login: user index, address (uint32) and seconds into the 10 days."""

    user: np.ndarray
    ip: np.ndarray
    second: np.ndarray


def nonzero_offsets(rng: np.random.Generator, window: int, size: int) -> np.ndarray:
    """Offsets uniform over [-window, -1] and [1, window]: the work range is never the home range."""
    offsets = rng.integers(-window, window, size=size)  # [-window, window - 1]
    return np.where(offsets >= 0, offsets + 1, offsets)


def simulate_logins(table: NetworkTable, users: int, rng: np.random.Generator) -> Logins:
    n_ranges = len(table)
    home = rng.integers(0, n_ranges, size=users)
    work = (home + nonzero_offsets(rng, HOME_WORK_WINDOW, users)) % n_ranges
    counts = (EVENTS_SCALE * (rng.pareto(EVENTS_PARETO_SHAPE, size=users) + 1)).astype(np.int64)
    counts = np.minimum(counts, MAX_EVENTS_PER_USER)
    p_travel = rng.beta(*P_TRAVEL_BETA, size=users)
    p_home = rng.beta(*P_HOME_BETA, size=users)

    user = np.repeat(np.arange(users), counts)
    n_events = user.size
    at_home = rng.random(n_events) < p_home[user]
    centre = np.where(at_home, home[user], work[user])
    nearby = np.trunc(rng.normal(centre, LOCALITY_SIGMA)).astype(np.int64) % n_ranges
    travelling = rng.random(n_events) < p_travel[user]
    ranges = np.where(travelling, rng.integers(0, n_ranges, size=n_events), nearby)
    second = rng.integers(0, DAYS * 86_400, size=n_events)
    return Logins(user=user, ip=table.draw_ips(rng, ranges), second=second)


def _write_pairs(path: Path, users: np.ndarray, ips: np.ndarray, labels: np.ndarray | None) -> None:
    names = [f"user_{u}" for u in range(int(users.max(initial=0)) + 1)]
    addresses = format_ipv4(ips)
    if labels is None:
        lines = [f"{names[u]},{ip}\n" for u, ip in zip(users.tolist(), addresses, strict=True)]
    else:
        lines = [f"{names[u]},{ip},{y}\n" for u, ip, y in zip(users.tolist(), addresses, labels.tolist(), strict=True)]
    write_text(path, "".join(lines))


def generate(
    out_dir: Path,
    seed: int = 0,
    users: int = TUTORIAL_USERS,
    test_pairs: int = TUTORIAL_TEST_PAIRS,
    ranges: int = TUTORIAL_RANGES,
) -> TutorialSummary:
    """Write `train.csv` (`entity,ip`, shuffled) and `test.csv` (`entity,ip,label`: held-out
    normal logins first, then random-range pairs) under `out_dir`; `ranges` sizes the table."""
    if users < 1 or test_pairs < 1:
        raise ValueError("users and test pairs must be positive")
    rng = np.random.default_rng([seed, 0x7E5])
    table = build_table(ranges, seed)
    logins = simulate_logins(table, users, rng)

    train = logins.second < TRAIN_DAYS * 86_400
    train_index = rng.permutation(np.flatnonzero(train))
    seen = np.unique(logins.user[train_index])
    held_out = np.flatnonzero(~train & np.isin(logins.user, seen))
    if held_out.size < test_pairs:
        raise ValueError(f"only {held_out.size} held-out logins of seen users; ask for fewer test pairs")
    normal = rng.choice(held_out, size=test_pairs, replace=False)
    attacked_users = rng.choice(seen, size=test_pairs, replace=True)
    random_ips = table.draw_ips(rng, rng.integers(0, len(table), size=test_pairs))

    train_path, test_path = out_dir / "train.csv", out_dir / "test.csv"
    _write_pairs(train_path, logins.user[train_index], logins.ip[train_index], None)
    _write_pairs(
        test_path,
        np.concatenate([logins.user[normal], attacked_users]),
        np.concatenate([logins.ip[normal], random_ips]),
        np.repeat(np.array([0, 1]), test_pairs),
    )
    return TutorialSummary(
        users=users,
        events=int(logins.user.size),
        train_pairs=int(train_index.size),
        test_normal=test_pairs,
        test_random=test_pairs,
        train_path=train_path,
        test_path=test_path,
    )
