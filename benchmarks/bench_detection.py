"""Detection quality across account sizes: IP Insights alone, the principal's history alone, and
their combination (`unusualness`, secml.history.combine), on simulated logins with ground truth.

Each regime simulates users with SageMaker's tutorial model (secml.data.tutorial: home and work
ranges, travel, Pareto activity) over a network table, trains on the first 7 days, holds out 10 % of
the distinct training pairs (as the workshop does) to calibrate the combination, and tests on
held-out logins of the last 3 days (normal) against the same users at addresses of random ranges
(attacks). Figures per regime and seed: ROC AUC and recall at 1 % false-positive rate (threshold
set on the test's own normal pairs) for the three rankings, and training time. A table is printed
and written as DIR/detection.md, with ROC and precision-recall plots as DIR/<regime>.png.

Run: `.venv/bin/python benchmarks/bench_detection.py [--out DIR] [--seeds N] [--regimes small,medium,tutorial]`
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from secml.data import tutorial
from secml.data.networks import build_table
from secml.history import evidence, index
from secml.history.combine import Combiner
from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.holdout import is_held_out
from secml.ipinsights.metrics import roc_auc
from secml.ipinsights.training import fit
from secml.workshop.training_run import WORKSHOP_HYPERPARAMETERS

TARGET_FPR = 0.01


@dataclass(frozen=True)
class Regime:
    name: str
    users: int
    ranges: int  # size of the network table the users and attackers draw from
    test_pairs: int
    seeds: int


REGIMES = {
    "small-20": Regime("small-20", 20, 800_000, 300, 3),
    "small-75": Regime("small-75", 75, 800_000, 300, 3),
    "small-75-dense": Regime("small-75-dense", 75, 20_000, 300, 3),  # neighbours close in address space
    "medium-500": Regime("medium-500", 500, 800_000, 2_000, 2),
    "tutorial": Regime("tutorial", 10_000, 800_000, 100_000, 1),
}


@dataclass(frozen=True)
class Outcome:
    regime: str
    seed: int
    train_tuples: int
    train_seconds: float
    auc: dict[str, float]
    recall: dict[str, float]
    curves: dict[str, tuple[np.ndarray, np.ndarray]]  # ranking -> (anomaly, label)


def recall_at_fpr(anomaly: np.ndarray, attack: np.ndarray, fpr: float = TARGET_FPR) -> float:
    """Recall at the threshold that flags at most `fpr` of the normal pairs (strictly above it)."""
    normal = np.sort(anomaly[~attack])[::-1]
    threshold = normal[int(np.floor(fpr * normal.size))]
    return float(np.mean(anomaly[attack] > threshold))


def simulate(regime: Regime, seed: int) -> tuple[list[str], list[str], list[str], list[str], np.ndarray]:
    """Training tuples and labelled test pairs, as tutorial.generate draws them."""
    rng = np.random.default_rng([seed, 0x7E5])
    table = build_table(regime.ranges, seed)
    logins = tutorial.simulate_logins(table, regime.users, rng)
    train = logins.second < tutorial.TRAIN_DAYS * 86_400
    seen = np.unique(logins.user[train])
    held = np.flatnonzero(~train & np.isin(logins.user, seen))
    pairs = min(regime.test_pairs, held.size)
    normal = rng.choice(held, size=pairs, replace=False)
    attacked = rng.choice(seen, size=pairs, replace=True)
    random_ips = table.draw_ips(rng, rng.integers(0, len(table), size=pairs))
    names = np.array([f"user_{u}" for u in range(regime.users)])
    train_users = names[logins.user[train]].tolist()
    train_ips = format_ipv4(logins.ip[train])
    test_users = names[np.concatenate([logins.user[normal], attacked])].tolist()
    test_ips = format_ipv4(np.concatenate([logins.ip[normal], random_ips]))
    labels = np.repeat([False, True], pairs)
    return train_users, train_ips, test_users, test_ips, labels


def evaluate(regime: Regime, seed: int) -> Outcome:
    users, ips, test_users, test_ips, attack = simulate(regime, seed)
    held = np.array([is_held_out(u, ip, 0.1, seed) for u, ip in zip(users, ips, strict=True)])
    fit_users = [u for u, h in zip(users, held, strict=True) if not h]
    fit_ips = [ip for ip, h in zip(ips, held, strict=True) if not h]
    began = time.perf_counter()
    model = fit(fit_users, fit_ips, WORKSHOP_HYPERPARAMETERS, seed=seed)
    seconds = time.perf_counter() - began
    history = index.build(fit_users, fit_ips)
    held_users = [u for u, h in zip(users, held, strict=True) if h]
    held_ips = [ip for ip, h in zip(ips, held, strict=True) if h]
    calibration = model.score(held_users, held_ips)
    combiner = Combiner.fit(calibration.dot_product, evidence.gather(history, held_users, held_ips).normality)
    scored = model.score(test_users, test_ips)
    normality = evidence.gather(history, test_users, test_ips).normality
    rankings = {
        "ip_insights": -scored.dot_product,
        "history": -normality,
        "combined": combiner.unusualness(scored.dot_product, normality),
    }
    return Outcome(
        regime=regime.name,
        seed=seed,
        train_tuples=len(fit_users),
        train_seconds=seconds,
        auc={name: roc_auc(values, attack) for name, values in rankings.items()},
        recall={name: recall_at_fpr(values, attack) for name, values in rankings.items()},
        curves={name: (values, attack) for name, values in rankings.items()},
    )


def plot(outcomes: list[Outcome], path: Path) -> None:
    """ROC and precision-recall curves of the first seed's three rankings."""
    figure = Figure(figsize=(10, 4.5), dpi=100)
    roc_axes, pr_axes = figure.subplots(1, 2)
    for name, (anomaly, attack) in outcomes[0].curves.items():
        order = np.argsort(-anomaly, kind="mergesort")
        hits = np.cumsum(attack[order])
        false = np.cumsum(~attack[order])
        roc_axes.plot(false / max(false[-1], 1), hits / max(hits[-1], 1), label=f"{name} ({outcomes[0].auc[name]:.3f})")
        pr_axes.plot(hits / max(hits[-1], 1), hits / np.arange(1, hits.size + 1), label=name)
    roc_axes.set(
        xscale="log", xlim=(1e-3, 1), xlabel="false-positive rate", ylabel="recall", title=f"ROC, {outcomes[0].regime}"
    )
    pr_axes.set(xlabel="recall", ylabel="precision", title="precision-recall")
    roc_axes.legend()
    pr_axes.legend()
    figure.tight_layout()
    figure.savefig(path, format="png")


def table(outcomes: list[Outcome]) -> str:
    rankings = ("ip_insights", "history", "combined")
    header = "| regime | seed | train tuples | train s | " + " | ".join(f"AUC {r}" for r in rankings)
    header += " | " + " | ".join(f"recall@1% {r}" for r in rankings) + " | combined - best AUC |"
    lines = [header, "|" + "---|" * (5 + 2 * len(rankings))]
    for o in outcomes:
        best = max(o.auc["ip_insights"], o.auc["history"])
        cells = [o.regime, str(o.seed), f"{o.train_tuples:,}", f"{o.train_seconds:.1f}"]
        cells += [f"{o.auc[r]:.4f}" for r in rankings] + [f"{o.recall[r]:.3f}" for r in rankings]
        cells.append(f"{o.auc['combined'] - best:+.4f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/bench_detection"))
    parser.add_argument("--seeds", type=int, default=None, help="seeds per regime (default: the regime's own)")
    parser.add_argument(
        "--regimes", default="small-20,small-75,small-75-dense,medium-500", help=f"of {','.join(REGIMES)}"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    for name in args.regimes.split(","):
        regime = REGIMES[name]
        mine = [evaluate(regime, seed) for seed in range(args.seeds or regime.seeds)]
        for outcome in mine:
            print(table([outcome]).splitlines()[-1], flush=True)
        plot(mine, args.out / f"{name}.png")
        outcomes += mine
    text = table(outcomes)
    (args.out / "detection.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"written: {args.out / 'detection.md'} and one PNG per regime beside it")


if __name__ == "__main__":
    main()
