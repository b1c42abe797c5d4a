"""A GuardDuty finding's verdicts: one per remote IP it names, by the one finding -> tuples rule
(guardduty.tuples_from_finding, the code exercise 2.2 runs), scored against the current model.

- unusual: the score is strictly below the threshold (as the batch report decides);
- usual: at or above it;
- unseen_principal: the principal was not in the training data, so its vector is a hash slot
  shared with others: said so, never a silent score;
- ipv6_not_scored: IP Insights scores IPv4 only;
- not_scored: the finding (or that IP) gives no tuple, with the rule's reason.

The model is asked once per finding for all its scorable pairs (Scorer.scores), whichever way it
is served: an endpoint then gets one request per finding, not one per IP.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from secml_ingest.guardduty import tuples_from_finding
from secml_ingest.outcomes import IPV6_NOT_SCORED, PrincipalIp, Skip

UNUSUAL = "unusual"
USUAL = "usual"
UNSEEN_PRINCIPAL = "unseen_principal"
IPV6 = "ipv6_not_scored"
NOT_SCORED = "not_scored"
VERDICTS = (UNUSUAL, USUAL, UNSEEN_PRINCIPAL, IPV6, NOT_SCORED)


class Scorer(Protocol):
    """A served model: whether a principal was seen in training, and the dot products of
    (principal, IPv4 address as an int) pairs, one for each, in order (never asked for none)."""

    def knows(self, principal: str) -> bool: ...

    def scores(self, pairs: Sequence[tuple[str, int]]) -> list[float]: ...


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


def unscored(pair: PrincipalIp | Skip, model: Scorer) -> IpVerdict | None:
    """The verdict of a pair the model does not score, or None for a pair it scores."""
    if isinstance(pair, Skip):
        return IpVerdict(NOT_SCORED, reason=pair.reason)
    if pair.ip_version != 4:
        return IpVerdict(IPV6, pair.principal, pair.ip, reason=IPV6_NOT_SCORED)
    if not model.knows(pair.principal):
        return IpVerdict(UNSEEN_PRINCIPAL, pair.principal, pair.ip, reason="principal not in the training data")
    return None


def finding_verdicts(finding: Mapping[str, Any], model: Scorer, threshold: float) -> list[IpVerdict]:
    """The verdict of every remote IP of `finding` (camelCase keys), or one not_scored verdict."""
    outcomes = tuples_from_finding(finding)
    if isinstance(outcomes, Skip):
        return [IpVerdict(NOT_SCORED, reason=outcomes.reason)]
    verdicts = [unscored(pair, model) for pair in outcomes]
    scorable = [
        (index, pair)
        for index, (pair, verdict) in enumerate(zip(outcomes, verdicts, strict=True))
        if verdict is None and isinstance(pair, PrincipalIp)
    ]
    pairs = [(pair.principal, int(ipaddress.IPv4Address(pair.ip))) for _, pair in scorable]
    values = model.scores(pairs) if pairs else []
    for (index, pair), value in zip(scorable, values, strict=True):
        verdicts[index] = IpVerdict(UNUSUAL if value < threshold else USUAL, pair.principal, pair.ip, value)
    return [verdict for verdict in verdicts if verdict is not None]  # every one is set by now


def finding_verdict(verdicts: list[IpVerdict]) -> str:
    """The finding's own verdict: unusual if any IP is, else the first verdict in VERDICTS order."""
    present = {v.verdict for v in verdicts}
    return next(name for name in VERDICTS if name in present)


def lowest_scored(verdicts: list[IpVerdict]) -> IpVerdict | None:
    """The scored IP with the lowest score (the most unusual), or None when none was scored."""
    scored = [v for v in verdicts if v.score is not None]
    return min(scored, key=lambda v: v.score or 0.0) if scored else None
