from __future__ import annotations

import pytest
from report_samples import INDEX, SCORES

from secml.core.errors import InputError
from secml.report import join


def test_every_index_row_gets_a_verdict_most_unusual_first() -> None:
    findings = join.join(join.parse_index(INDEX), join.parse_scores(SCORES), threshold=0.0)
    assert [(f.finding_id, f.ip, f.verdict) for f in findings] == [
        ("f-attack", "203.0.113.9", "unusual"),
        ("f-probe", "192.0.2.2", "unusual"),
        ("f-new", "192.0.2.99", "unseen principal"),
        ("f-probe", "192.0.2.1", "usual"),
        ("f-benign", "198.51.100.7", "usual"),
    ]
    unseen = next(f for f in findings if f.finding_id == "f-new")
    assert unseen.seen_principal is False and unseen.score == pytest.approx(0.3)


def test_threshold_is_strict_a_score_equal_to_it_is_usual() -> None:
    findings = join.join(join.parse_index(INDEX), join.parse_scores(SCORES), threshold=-0.5)
    assert {f.ip: f.verdict for f in findings}["192.0.2.2"] == "usual"


def test_an_unscorable_pair_is_not_scored() -> None:
    index = join.parse_index(INDEX)
    blank = "".join(f"{row.principal},{row.ip},,true\n" for row in index)
    findings = join.join(index, join.parse_scores("principal,ip,dot_product,seen_principal\n" + blank), 0.0)
    assert {f.verdict for f in findings} == {"not scored"}
    assert all(f.score is None for f in findings)


def test_scores_that_miss_index_rows_are_refused_not_reported_as_all_clear() -> None:
    scores = join.parse_scores("principal,ip,dot_product,seen_principal\nalice,203.0.113.9,,true\n")
    with pytest.raises(InputError, match=r"other-run\.csv has no score for 4 of the 5 finding-index rows"):
        join.join(join.parse_index(INDEX), scores, threshold=0.0, scores_name="other-run.csv")


def test_one_ip_in_two_findings_scores_both() -> None:
    index = INDEX + "f-again,Recon:IAMUser/MaliciousIPCaller,5,2024-05-02T00:00:00Z,1,us-west-2,alice,203.0.113.9\n"
    findings = join.join(join.parse_index(index), join.parse_scores(SCORES), threshold=0.0)
    assert [f.score for f in findings if f.ip == "203.0.113.9"] == [-4.5, -4.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("finding_id,type\nx,y\n", "header must start finding_id,type,severity"),
        (INDEX.replace(",8,", ",high,"), "severity 'high' is not a number"),
    ],
)
def test_bad_index_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        join.parse_index(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("principal,ip,score\n", "header must start principal,ip,dot_product,seen_principal"),
        ("principal,ip,dot_product,seen_principal\na,1.2.3.4,NaNx,true\n", "line 2: dot_product"),
        ("principal,ip,dot_product,seen_principal\na,1.2.3.4,1.0,maybe\n", "line 2: seen_principal"),
    ],
)
def test_bad_scores_are_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        join.parse_scores(text)


def test_whitespace_around_principal_or_ip_does_not_break_the_join() -> None:
    # The scorer strips the tuples it reads; an index written with padding must still match.
    padded = INDEX.replace(",alice,203.0.113.9", ", alice ,203.0.113.9 ")
    findings = join.join(join.parse_index(padded), join.parse_scores(SCORES), threshold=0.0)
    attack = next(f for f in findings if f.finding_id == "f-attack")
    assert (attack.principal, attack.ip, attack.score) == ("alice", "203.0.113.9", -4.5)


def test_headers_are_the_ingest_and_engine_ones() -> None:
    from secml.ipinsights.tuples_io import SCORE_COLUMNS
    from secml_ingest.guardduty import INDEX_HEADER

    assert join.INDEX_HEADER == INDEX_HEADER
    assert SCORE_COLUMNS[: len(join.SCORES_HEADER)] == join.SCORES_HEADER
