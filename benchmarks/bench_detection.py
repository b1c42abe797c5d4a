"""Detection quality across account sizes and network structures: IP Insights alone, the
principal's history alone, and their combination (`unusualness`, secml.history.combine), on
simulated logins with ground truth, beside the Bayes-optimal ceiling.

Each regime simulates principals with SageMaker's tutorial login model over one of the network
structures of secml.data.structures (secml.data.tutorial.simulate: train on the first 7 days; test
on held-out logins of the last 3 days against seen principals at attacker addresses, in small and
medium accounts 30 % of them from ranges near the principal's own). As the workshop does, 10 % of
the distinct training pairs are held out from IP Insights to calibrate the combination (the history
holds every training tuple and judges each held-out pair without its own uses), and contrast pairs
drawn from the training data weigh its two parts. Figures per regime, structure and seed: ROC AUC and
recall at 1 % false-positive rate (threshold set on the test's own normal pairs) for the
Bayes-optimal pair score (`ceiling`, from the generator's known model, attacks included), the
generator's own density of normal logins (`normal_density`: what the best label-free normality
could reach, knowing each user's true login model but nothing of the attacks) and the three
rankings, and training time. IP Insights trains with the workshop's hyperparameters, sized to each corpus as
`secml train` sizes the ones a user does not set (secml.ipinsights.sizing; `--as-given` keeps the
workshop's values). A table is printed and written as DIR/detection.md, with ROC and precision-recall
plots as DIR/<regime>-<structure>.png.

Run: `.venv/bin/python benchmarks/bench_detection.py [--out DIR] [--seeds N] [--regimes ...] [--structures ...] [--as-given]`
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from secml.data import tutorial
from secml.data.structures import STRUCTURES
from secml.history import evidence, index
from secml.history.combine import Combiner
from secml.history.contrast import draw as draw_contrast
from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.holdout import is_held_out
from secml.ipinsights.metrics import roc_auc
from secml.ipinsights.sizing import choose
from secml.ipinsights.training import fit
from secml.workshop.training_run import WORKSHOP_HYPERPARAMETERS

TARGET_FPR = 0.01
RANKINGS = ("ceiling", "normal_density", "ip_insights", "history", "combined")


@dataclass(frozen=True)
class Regime:
    name: str
    users: int
    tuples: int | None  # training tuples; None = the tutorial's own Pareto activity
    test_pairs: int  # of each label
    near_share: float  # attacks from ranges near the principal's own
    seeds: int


REGIMES = {
    "small-20": Regime("small-20", 20, 10_000, 150, 0.3, 3),
    "small-75": Regime("small-75", 75, 20_000, 150, 0.3, 3),
    "small-100": Regime("small-100", 100, 50_000, 150, 0.3, 3),
    "medium-500": Regime("medium-500", 500, 1_000_000, 2_000, 0.3, 1),
    "tutorial": Regime("tutorial", 10_000, None, 100_000, 0.0, 1),
}


@dataclass(frozen=True)
class Outcome:
    regime: str
    structure: str
    seed: int
    train_tuples: int
    train_seconds: float
    model_weight: float
    auc: dict[str, float]
    recall: dict[str, float]
    curves: dict[str, tuple[np.ndarray, np.ndarray]]  # ranking -> (anomaly, label)


def recall_at_fpr(anomaly: np.ndarray, attack: np.ndarray, fpr: float = TARGET_FPR) -> float:
    """Recall at the threshold that flags at most `fpr` of the normal pairs (strictly above it)."""
    normal = np.sort(anomaly[~attack])[::-1]
    threshold = normal[int(np.floor(fpr * normal.size))]
    return float(np.mean(anomaly[attack] > threshold))


def simulate(regime: Regime, structure: str, seed: int) -> tutorial.Corpus:
    events = None if regime.tuples is None else round(regime.tuples * tutorial.DAYS / tutorial.TRAIN_DAYS)
    shape = tutorial.Shape(
        regime.users, regime.test_pairs, structure=structure, events=events, near_share=regime.near_share
    )
    return tutorial.simulate(seed, shape)


def evaluate(regime: Regime, structure: str, seed: int, sized: bool = True) -> Outcome:
    corpus = simulate(regime, structure, seed)
    names = np.array([f"user_{u}" for u in range(regime.users)])
    users, ips = names[corpus.train_user].tolist(), format_ipv4(corpus.train_ip)
    test_users, test_ips, attack = names[corpus.test_user].tolist(), format_ipv4(corpus.test_ip), corpus.attack
    held = np.array([is_held_out(u, ip, 0.1, seed) for u, ip in zip(users, ips, strict=True)])
    fit_users = [u for u, h in zip(users, held, strict=True) if not h]
    fit_ips = [ip for ip, h in zip(ips, held, strict=True) if not h]
    hyperparameters = WORKSHOP_HYPERPARAMETERS
    if sized:
        chosen = choose(hyperparameters, (), len(set(fit_users)), len(fit_users))
        hyperparameters = chosen.hyperparameters
        print(f"{regime.name} {structure} seed {seed}: {chosen.line()}", flush=True)
    began = time.perf_counter()
    model = fit(fit_users, fit_ips, hyperparameters, seed=seed)
    seconds = time.perf_counter() - began
    history = index.build(users, ips)  # all the training tuples, as the exercises pass them
    held_users = [u for u, h in zip(users, held, strict=True) if h]
    held_ips = [ip for ip, h in zip(ips, held, strict=True) if h]
    calibration = model.score(held_users, held_ips)
    contrast = draw_contrast(history, held_users, seed)
    combiner = Combiner.fit(
        calibration.dot_product,
        evidence.left_out_normality(history, held_users, held_ips),
        model.score(contrast.principals, contrast.ips).dot_product,
        evidence.gather(history, contrast.principals, contrast.ips).normality,
    )
    scored = model.score(test_users, test_ips)
    normality = evidence.gather(history, test_users, test_ips).normality
    rankings = {
        "ceiling": corpus.ceiling_score,
        "normal_density": -corpus.normal_log_density,
        "ip_insights": -scored.dot_product,
        "history": -normality,
        "combined": combiner.unusualness(scored.dot_product, normality),
    }
    return Outcome(
        regime=regime.name,
        structure=structure,
        seed=seed,
        train_tuples=len(fit_users),
        train_seconds=seconds,
        model_weight=combiner.model_weight,
        auc={name: roc_auc(values, attack) for name, values in rankings.items()},
        recall={name: recall_at_fpr(values, attack) for name, values in rankings.items()},
        curves={name: (values, attack) for name, values in rankings.items()},
    )


def plot(outcomes: list[Outcome], path: Path) -> None:
    """ROC and precision-recall curves of the first seed's rankings."""
    figure = Figure(figsize=(10, 4.5), dpi=100)
    roc_axes, pr_axes = figure.subplots(1, 2)
    for name, (anomaly, attack) in outcomes[0].curves.items():
        order = np.argsort(-anomaly, kind="mergesort")
        hits = np.cumsum(attack[order])
        false = np.cumsum(~attack[order])
        roc_axes.plot(false / max(false[-1], 1), hits / max(hits[-1], 1), label=f"{name} ({outcomes[0].auc[name]:.3f})")
        pr_axes.plot(hits / max(hits[-1], 1), hits / np.arange(1, hits.size + 1), label=name)
    roc_axes.set(
        xscale="log",
        xlim=(1e-3, 1),
        xlabel="false-positive rate",
        ylabel="recall",
        title=f"ROC, {outcomes[0].regime} {outcomes[0].structure}",
    )
    pr_axes.set(xlabel="recall", ylabel="precision", title="precision-recall")
    roc_axes.legend()
    pr_axes.legend()
    figure.tight_layout()
    figure.savefig(path, format="png")


def table(outcomes: list[Outcome]) -> str:
    header = "| regime | structure | seed | train tuples | train s | IP Insights weight | "
    header += " | ".join(f"AUC {r}" for r in RANKINGS) + " | " + " | ".join(f"recall@1% {r}" for r in RANKINGS)
    header += " | combined - better part AUC | normal density - combined AUC | ceiling - IP Insights AUC |"
    lines = [header, "|" + "---|" * (9 + 2 * len(RANKINGS))]
    for o in outcomes:
        best = max(o.auc["ip_insights"], o.auc["history"])
        cells = [o.regime, o.structure, str(o.seed), f"{o.train_tuples:,}", f"{o.train_seconds:.1f}"]
        cells += (
            [f"{o.model_weight:.2f}"] + [f"{o.auc[r]:.4f}" for r in RANKINGS] + [f"{o.recall[r]:.3f}" for r in RANKINGS]
        )
        cells += [
            f"{o.auc['combined'] - best:+.4f}",
            f"{o.auc['normal_density'] - o.auc['combined']:+.4f}",
            f"{o.auc['ceiling'] - o.auc['ip_insights']:+.4f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/bench_detection"))
    parser.add_argument("--seeds", type=int, default=None, help="seeds per regime (default: the regime's own)")
    parser.add_argument("--regimes", default="small-20,small-75,small-100", help=f"of {','.join(REGIMES)}")
    parser.add_argument("--structures", default=",".join(STRUCTURES), help="of %(default)s")
    parser.add_argument(
        "--as-given", action="store_true", help="the workshop's hyperparameters, not sized to the corpus"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    for name in args.regimes.split(","):
        regime = REGIMES[name]
        for structure in args.structures.split(","):
            mine = [evaluate(regime, structure, seed, not args.as_given) for seed in range(args.seeds or regime.seeds)]
            for outcome in mine:
                print(table([outcome]).splitlines()[-1], flush=True)
            plot(mine, args.out / f"{name}-{structure}.png")
            outcomes += mine
    text = table(outcomes)
    (args.out / "detection.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"written: {args.out / 'detection.md'} and one PNG per regime and structure beside it")


if __name__ == "__main__":
    main()
