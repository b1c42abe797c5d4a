"""A finding's verdicts, by the ingest's finding -> tuples rule, against the served model."""

from __future__ import annotations

import pytest
from scoring_fixtures import finding, trained

from secml.automation.artefact import artefact_bytes
from secml_ingest.scoring_artefact import ScoringModel, in_memory
from secml_ingest.verdicts import (
    IPV6,
    NOT_SCORED,
    UNSEEN_PRINCIPAL,
    UNUSUAL,
    USUAL,
    finding_verdict,
    finding_verdicts,
)


@pytest.fixture(scope="module")
def served() -> ScoringModel:
    return ScoringModel(in_memory(artefact_bytes(trained(0))))


def own_and_foreign(served: ScoringModel) -> tuple[float, float]:
    own = served.score("AIDAPRINCIPAL0003", 0x0A06_0101)  # 10.6.1.1: principal 3's network
    foreign = served.score("AIDAPRINCIPAL0003", 0xC633_6407)  # 198.51.100.7
    return own, foreign


def test_a_finding_with_several_ips_gets_one_verdict_per_ip(served: ScoringModel) -> None:
    own, foreign = own_and_foreign(served)
    assert foreign < own
    threshold = (own + foreign) / 2
    verdicts = finding_verdicts(
        finding("AIDAPRINCIPAL0003", ["10.6.1.1", "198.51.100.7", "2001:db8::5"]),
        served,
        threshold,
    )
    assert [v.verdict for v in verdicts] == [USUAL, UNUSUAL, IPV6]
    assert [v.ip for v in verdicts] == ["10.6.1.1", "198.51.100.7", "2001:db8::5"]
    assert verdicts[1].score == pytest.approx(foreign)
    assert verdicts[2].score is None
    assert finding_verdict(verdicts) == UNUSUAL


def test_an_unseen_principal_gets_its_own_verdict_and_no_score(served: ScoringModel) -> None:
    verdicts = finding_verdicts(finding("AIDANEVERSEEN", ["198.51.100.7"]), served, 0.0)
    assert [(v.verdict, v.score) for v in verdicts] == [(UNSEEN_PRINCIPAL, None)]


def test_ipv6_only_is_not_scored_and_says_so(served: ScoringModel) -> None:
    verdicts = finding_verdicts(finding("AIDAPRINCIPAL0003", ["2001:db8::5"]), served, 0.0)
    assert [v.as_dict() for v in verdicts] == [
        {"verdict": IPV6, "principal": "AIDAPRINCIPAL0003", "ip": "2001:db8::5", "reason": "ipv6_not_scored"}
    ]
    assert finding_verdict(verdicts) == IPV6


def test_a_finding_without_a_principal_is_not_scored_with_the_rules_reason(served: ScoringModel) -> None:
    ec2 = finding("AIDAPRINCIPAL0003", ["198.51.100.7"]) | {"resource": {"resourceType": "Instance"}}
    verdicts = finding_verdicts(ec2, served, 0.0)
    assert [(v.verdict, v.reason) for v in verdicts] == [(NOT_SCORED, "no_access_key_details")]


class CountingScorer:
    """The served model, counting how often it is asked (an endpoint: one request per call)."""

    def __init__(self, served: ScoringModel) -> None:
        self.served = served
        self.calls: list[list[tuple[str, int]]] = []

    def knows(self, principal: str) -> bool:
        return self.served.knows(principal)

    def scores(self, pairs: list[tuple[str, int]]) -> list[float]:
        self.calls.append(list(pairs))
        return self.served.scores(pairs)


def test_a_finding_asks_the_model_once_for_all_its_scorable_pairs(served: ScoringModel) -> None:
    counting = CountingScorer(served)
    ips = ["10.6.1.1", "2001:db8::5", "198.51.100.7"]
    verdicts = finding_verdicts(finding("AIDAPRINCIPAL0003", ips), counting, 0.0)
    assert counting.calls == [[("AIDAPRINCIPAL0003", 0x0A06_0101), ("AIDAPRINCIPAL0003", 0xC633_6407)]]
    assert [v.score is None for v in verdicts] == [False, True, False]
    finding_verdicts(finding("AIDANEVERSEEN", ["198.51.100.7"]), counting, 0.0)
    finding_verdicts(finding("AIDAPRINCIPAL0003", ["2001:db8::5"]), counting, 0.0)
    assert len(counting.calls) == 1  # nothing scorable: the model is not asked
