"""A GuardDuty finding's verdicts: one per remote IP it names, by the one finding -> tuples rule
(guardduty.tuples_from_finding, the code exercise 2.2 runs), scored against the current model.

- unusual: the score is strictly below the threshold (as the batch report decides);
- usual: at or above it;
- unseen_principal: the principal was not in the training data, so its vector is a hash slot
  shared with others: said so, never a silent score;
- ipv6_not_scored: IP Insights scores IPv4 only;
- not_scored: the finding (or that IP) gives no tuple, with the rule's reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from secml_ingest.guardduty import tuples_from_finding
from secml_ingest.outcomes import IPV6_NOT_SCORED, PrincipalIp, Skip

UNUSUAL = "unusual"
USUAL = "usual"
UNSEEN_PRINCIPAL = "unseen_principal"
IPV6 = "ipv6_not_scored"
NOT_SCORED = "not_scored"
VERDICTS = (UNUSUAL, USUAL, UNSEEN_PRINCIPAL, IPV6, NOT_SCORED)

# score(principal, ipv4 as int) -> dot product; knows(principal) -> seen in training.
Score = Callable[[str, int], float]
Knows = Callable[[str], bool]


@dataclass(frozen=True)
class IpVerdict:
    """One remote IP of a finding (or the whole finding, when it gives no tuple)."""

    verdict: str
    principal: str | None = None
    ip: str | None = None
    score: float | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def judge(pair: PrincipalIp | Skip, score: Score, knows: Knows, threshold: float) -> IpVerdict:
    if isinstance(pair, Skip):
        return IpVerdict(NOT_SCORED, reason=pair.reason)
    if pair.ip_version != 4:
        return IpVerdict(IPV6, pair.principal, pair.ip, reason=IPV6_NOT_SCORED)
    if not knows(pair.principal):
        return IpVerdict(UNSEEN_PRINCIPAL, pair.principal, pair.ip, reason="principal not in the training data")
    value = score(pair.principal, int(ipaddress.IPv4Address(pair.ip)))
    return IpVerdict(UNUSUAL if value < threshold else USUAL, pair.principal, pair.ip, value)


def finding_verdicts(finding: Mapping[str, Any], score: Score, knows: Knows, threshold: float) -> list[IpVerdict]:
    """The verdict of every remote IP of `finding` (camelCase keys), or one not_scored verdict."""
    outcomes = tuples_from_finding(finding)
    if isinstance(outcomes, Skip):
        return [IpVerdict(NOT_SCORED, reason=outcomes.reason)]
    return [judge(pair, score, knows, threshold) for pair in outcomes]


def finding_verdict(verdicts: list[IpVerdict]) -> str:
    """The finding's own verdict: unusual if any IP is, else the first verdict in VERDICTS order."""
    present = {v.verdict for v in verdicts}
    return next(name for name in VERDICTS if name in present)


def lowest_scored(verdicts: list[IpVerdict]) -> IpVerdict | None:
    """The scored IP with the lowest score (the most unusual), or None when none was scored."""
    scored = [v for v in verdicts if v.score is not None]
    return min(scored, key=lambda v: v.score or 0.0) if scored else None
