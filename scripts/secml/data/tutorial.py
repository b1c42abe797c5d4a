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

Beyond the tutorial (the defaults, byte for byte the same files): other network structures
(secml.data.structures), a total event budget (a small account: tens of principals, tens of
thousands of tuples), attacks partly from ranges near the principal's own, and the Bayes-optimal
pair score, from the known login model, that bounds what any (principal, IP) score can reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secml.core.storage import write_text
from secml.data.networks import NetworkTable
from secml.data.size import TUTORIAL_TEST_PAIRS, TUTORIAL_USERS
from secml.data.structures import STRUCTURES, TUTORIAL, Structure, table_for
from secml.ipinsights.addresses import format_ipv4

TUTORIAL_RANGES = 800_000
DAYS = 10
TRAIN_DAYS = 7
P_HOME_BETA = (3.0, 5.0)
EVENTS_PARETO_SHAPE = 1.0
EVENTS_SCALE = 50
MAX_EVENTS_PER_USER = 10_000
# The tutorial's own figures, kept in STRUCTURES[TUTORIAL]:
P_TRAVEL_BETA = STRUCTURES[TUTORIAL].travel_beta
HOME_WORK_WINDOW = STRUCTURES[TUTORIAL].home_work_window
LOCALITY_SIGMA = STRUCTURES[TUTORIAL].locality_sigma
# An attack "near the principal's own ranges": this many table entries from its home or work
# range, beyond the usual Gaussian step but in the same stretch of address space.
NEAR_OFFSETS = (20, 200)


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
class Population:
    """Each user's hidden login model: home and work range, travel and home probabilities, and
    the shared egress address it goes through (`egress_share` of its logins; 0 = none)."""

    home: np.ndarray
    work: np.ndarray
    p_travel: np.ndarray
    p_home: np.ndarray
    egress_ip: np.ndarray  # uint32
    egress_share: np.ndarray  # float64


@dataclass(frozen=True)
class Logins:
    """Every simulated login: user index, address (uint32) and seconds into the 10 days."""

    user: np.ndarray
    ip: np.ndarray
    second: np.ndarray
    population: Population


def nonzero_offsets(rng: np.random.Generator, window: int, size: int) -> np.ndarray:
    """Offsets uniform over [-window, -1] and [1, window]: the work range is never the home range."""
    offsets = rng.integers(-window, window, size=size)  # [-window, window - 1]
    return np.where(offsets >= 0, offsets + 1, offsets)


def simulate_logins(
    table: NetworkTable,
    users: int,
    rng: np.random.Generator,
    structure: Structure = STRUCTURES[TUTORIAL],
    events: int | None = None,
) -> Logins:
    """The logins of `users`; `events`, when given, scales the Pareto activity to about that many
    logins in all (at least one per user). The tutorial structure draws exactly what it always did."""
    n_ranges = len(table)
    home = rng.integers(0, n_ranges, size=users)
    work = (home + nonzero_offsets(rng, structure.home_work_window, users)) % n_ranges
    counts = (EVENTS_SCALE * (rng.pareto(EVENTS_PARETO_SHAPE, size=users) + 1)).astype(np.int64)
    counts = np.minimum(counts, MAX_EVENTS_PER_USER)
    if events is not None:
        counts = np.maximum(1, np.round(counts * (events / counts.sum()))).astype(np.int64)
    p_travel = rng.beta(*structure.travel_beta, size=users)
    p_home = rng.beta(*P_HOME_BETA, size=users)

    user = np.repeat(np.arange(users), counts)
    n_events = user.size
    at_home = rng.random(n_events) < p_home[user]
    centre = np.where(at_home, home[user], work[user])
    nearby = np.trunc(rng.normal(centre, structure.locality_sigma)).astype(np.int64) % n_ranges
    travelling = rng.random(n_events) < p_travel[user]
    ranges = np.where(travelling, rng.integers(0, n_ranges, size=n_events), nearby)
    second = rng.integers(0, DAYS * 86_400, size=n_events)
    ips = table.draw_ips(rng, ranges)
    egress_ip = np.zeros(users, dtype=np.uint32)
    egress_share = np.zeros(users)
    if structure.egress_users > 0:
        behind = rng.random(users) < structure.egress_users
        shared = table.draw_ips(rng, rng.integers(0, n_ranges, size=structure.egress_addresses))
        egress_ip = shared[rng.integers(0, structure.egress_addresses, size=users)]
        egress_share = np.where(behind, structure.egress_share, 0.0)
        through = rng.random(n_events) < egress_share[user]
        ips = np.where(through, egress_ip[user], ips)
    population = Population(home, work, p_travel, p_home, egress_ip, egress_share)
    return Logins(user=user, ip=ips, second=second, population=population)


@dataclass(frozen=True)
class Corpus:
    """Training logins (shuffled) and labelled test pairs (normal first, then attacks), with the
    Bayes-optimal score of each test pair (`ceiling_score`: higher = more likely an attack)."""

    events: int
    train_user: np.ndarray
    train_ip: np.ndarray
    test_user: np.ndarray
    test_ip: np.ndarray
    attack: np.ndarray  # bool
    ceiling_score: np.ndarray
    normal_log_density: np.ndarray  # log P(ip | user, normal): the best a label-free normality can know
    population: Population


@dataclass(frozen=True)
class Shape:
    """What to simulate; the defaults are the tutorial's corpus. `events` (logins in all) replaces
    the Pareto activity's total; `near_share` of the attacks come from ranges near the user's own."""

    users: int = TUTORIAL_USERS
    test_pairs: int = TUTORIAL_TEST_PAIRS
    ranges: int = TUTORIAL_RANGES
    structure: str = TUTORIAL
    events: int | None = None
    near_share: float = 0.0

    def __post_init__(self) -> None:
        if self.users < 1 or self.test_pairs < 1:
            raise ValueError("users and test pairs must be positive")
        if self.structure not in STRUCTURES:
            raise ValueError(f"unknown network structure {self.structure!r}: choose one of {', '.join(STRUCTURES)}")
        if not 0.0 <= self.near_share <= 1.0:
            raise ValueError(f"the share of attacks near the principal's ranges must be 0-1, got {self.near_share}")


TUTORIAL_SHAPE = Shape()


def simulate(seed: int = 0, shape: Shape = TUTORIAL_SHAPE) -> Corpus:
    """The corpus of a seed: train on the first TRAIN_DAYS, test on held-out logins of users seen
    in training against the same number of seen users at attacker addresses (a random range, or
    with probability `near_share` a range near the user's home or work)."""
    users, test_pairs, near_share = shape.users, shape.test_pairs, shape.near_share
    structure = STRUCTURES[shape.structure]
    rng = np.random.default_rng([seed, 0x7E5])
    table = table_for(structure, shape.ranges, seed)
    logins = simulate_logins(table, users, rng, structure, shape.events)

    train = logins.second < TRAIN_DAYS * 86_400
    train_index = rng.permutation(np.flatnonzero(train))
    seen = np.unique(logins.user[train_index])
    held_out = np.flatnonzero(~train & np.isin(logins.user, seen))
    if held_out.size < test_pairs:
        raise ValueError(f"only {held_out.size} held-out logins of seen users; ask for fewer test pairs")
    normal = rng.choice(held_out, size=test_pairs, replace=False)
    attacked_users = rng.choice(seen, size=test_pairs, replace=True)
    attack_ips = table.draw_ips(rng, rng.integers(0, len(table), size=test_pairs))
    if near_share > 0:
        near = rng.random(test_pairs) < near_share
        population = logins.population
        at_home = rng.random(test_pairs) < 0.5
        base = np.where(at_home, population.home[attacked_users], population.work[attacked_users])
        step = rng.integers(NEAR_OFFSETS[0], NEAR_OFFSETS[1] + 1, size=test_pairs)
        sign = np.where(rng.random(test_pairs) < 0.5, -1, 1)
        attack_ips = np.where(near, table.draw_ips(rng, (base + sign * step) % len(table)), attack_ips)
    test_user = np.concatenate([logins.user[normal], attacked_users])
    test_ip = np.concatenate([logins.ip[normal], attack_ips])
    return Corpus(
        events=int(logins.user.size),
        train_user=logins.user[train_index],
        train_ip=logins.ip[train_index],
        test_user=test_user,
        test_ip=test_ip,
        attack=np.repeat(np.array([False, True]), test_pairs),
        ceiling_score=attack_log_odds(table, structure, logins.population, near_share, test_user, test_ip),
        normal_log_density=_log(normal_density(table, structure, logins.population, test_user, test_ip)),
        population=logins.population,
    )


def normal_density(
    table: NetworkTable, structure: Structure, population: Population, users: np.ndarray, ips: np.ndarray
) -> np.ndarray:
    """P(ip | user, normal) per address, from the generator's own login model. The Gaussian step is
    exact for ranges away from index 0 (trunc is floor there)."""
    n_ranges = len(table)
    r, size, d_home, d_work = _range_distances(table, population, users, ips)
    sigma = structure.locality_sigma
    step = _normal_cdf((d_home + 1) / sigma) - _normal_cdf(d_home / sigma)
    step_work = _normal_cdf((d_work + 1) / sigma) - _normal_cdf(d_work / sigma)
    p_travel, p_home = population.p_travel[users], population.p_home[users]
    ranged = (1 - p_travel) * (p_home * step + (1 - p_home) * step_work) + p_travel / n_ranges
    egress = population.egress_share[users]
    return np.where(r >= 0, (1 - egress) * ranged / size, 0.0) + egress * (ips == population.egress_ip[users])


def attack_log_odds(
    table: NetworkTable,
    structure: Structure,
    population: Population,
    near_share: float,
    users: np.ndarray,
    ips: np.ndarray,
) -> np.ndarray:
    """log P(ip | user, attack) - log P(ip | user, normal) from the generator's own model: the
    Bayes-optimal score of a pair, so its ROC AUC on a test set is the ceiling of any pair score
    (it ignores only how often each user logs in, which a score of the pair alone cannot know).
    It knows the attacks' own distribution, as no detector without labels does; the normal density
    alone (`normal_density`) bounds what a label-free normality can reach."""
    n_ranges = len(table)
    r, size, d_home, d_work = _range_distances(table, population, users, ips)
    low, high = NEAR_OFFSETS
    near_mass = 1.0 / (2 * (high - low + 1))
    near = 0.5 * near_mass * ((np.abs(d_home) >= low) & (np.abs(d_home) <= high))
    near += 0.5 * near_mass * ((np.abs(d_work) >= low) & (np.abs(d_work) <= high))
    attack = np.where(r >= 0, ((1 - near_share) / n_ranges + near_share * near) / size, 0.0)
    return _log(attack) - _log(normal_density(table, structure, population, users, ips))


def _range_distances(
    table: NetworkTable, population: Population, users: np.ndarray, ips: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each address's range (-1 outside the table), the range's size, and its distance in table
    entries from the user's home and work range (wrapped around the table)."""
    n_ranges = len(table)
    r = table.range_of(ips)
    size = table.end[np.maximum(r, 0)].astype(np.float64) - table.begin[np.maximum(r, 0)] + 1.0

    def wrapped(centre: np.ndarray) -> np.ndarray:
        return (r - centre + n_ranges // 2) % n_ranges - n_ranges // 2

    return r, size, wrapped(population.home[users]), wrapped(population.work[users])


def _log(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(values)


_erf = np.frompyfunc(math.erf, 1, 1)


def _normal_cdf(values: np.ndarray) -> np.ndarray:
    erf = np.asarray(_erf(np.asarray(values, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64)
    return 0.5 * (1.0 + erf)


def _write_pairs(path: Path, users: np.ndarray, ips: np.ndarray, labels: np.ndarray | None) -> None:
    names = [f"user_{u}" for u in range(int(users.max(initial=0)) + 1)]
    addresses = format_ipv4(ips)
    if labels is None:
        lines = [f"{names[u]},{ip}\n" for u, ip in zip(users.tolist(), addresses, strict=True)]
    else:
        lines = [f"{names[u]},{ip},{y}\n" for u, ip, y in zip(users.tolist(), addresses, labels.tolist(), strict=True)]
    write_text(path, "".join(lines))


def generate(out_dir: Path, seed: int = 0, shape: Shape = TUTORIAL_SHAPE) -> TutorialSummary:
    """Write `train.csv` (`entity,ip`, shuffled) and `test.csv` (`entity,ip,label`: held-out
    normal logins first, then attacker pairs) under `out_dir`. With the default shape these are
    the tutorial's files (the same bytes for the same seed as always)."""
    corpus = simulate(seed, shape)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_path, test_path = out_dir / "train.csv", out_dir / "test.csv"
    _write_pairs(train_path, corpus.train_user, corpus.train_ip, None)
    _write_pairs(test_path, corpus.test_user, corpus.test_ip, corpus.attack.astype(np.int64))
    return TutorialSummary(
        users=shape.users,
        events=corpus.events,
        train_pairs=int(corpus.train_user.size),
        test_normal=shape.test_pairs,
        test_random=shape.test_pairs,
        train_path=train_path,
        test_path=test_path,
    )
