"""The generated corpus: CloudTrail's delivery layout, determinism, truth, and the planted
activity behind findings (attacks from unseen ranges, benign findings from usual addresses)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from generated_corpus import SMALL, Generated

from secml.data.corpus import CorpusSize, generate

KEY = re.compile(
    r"AWSLogs/(?P<account>\d{12})/CloudTrail/(?P<region>[a-z]+-[a-z]+-\d)/(?P<y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)/"
    r"(?P=account)_CloudTrail_(?P=region)_(?P<stamp>(?P=y)(?P=m)(?P=d)T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz"
)


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def _findings(root: Path) -> list[dict[str, Any]]:
    return [f for path in sorted((root / "guardduty").rglob("*.json")) for f in json.loads(path.read_text())]


def test_cloudtrail_files_follow_the_delivery_layout(small_corpus: Generated) -> None:
    files = sorted((small_corpus.root / "cloudtrail").rglob("*"))
    logs = [p for p in files if p.is_file()]
    assert len(logs) == small_corpus.summary.cloudtrail_files
    total = 0
    for path in logs:
        match = KEY.fullmatch(str(path.relative_to(small_corpus.root / "cloudtrail")))
        assert match, path
        data = path.read_bytes()
        assert data[4:8] == b"\0\0\0\0"  # gzip mtime 0: reproducible bytes
        records = json.loads(gzip.decompress(data))["Records"]
        stamp = match["stamp"]
        window_end = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:00Z"
        for record in records:
            assert record["awsRegion"] == match["region"]
            assert record["recipientAccountId"] == match["account"]
            assert record["eventTime"] < window_end
        total += len(records)
    assert total == small_corpus.summary.records


def test_records_carry_cloudtrail_fields_and_every_kind_of_source(small_corpus: Generated) -> None:
    records = [
        r
        for p in (small_corpus.root / "cloudtrail").rglob("*.json.gz")
        for r in json.loads(gzip.decompress(p.read_bytes()))["Records"]
    ]
    required = {
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "requestID",
        "eventID",
        "readOnly",
        "eventType",
        "managementEvent",
        "recipientAccountId",
        "eventCategory",
    }
    assert all(required <= r.keys() for r in records)
    identity_types = Counter(r["userIdentity"]["type"] for r in records)
    assert {"IAMUser", "AssumedRole", "Root", "AWSService"} <= identity_types.keys()
    sources = Counter(
        "internal"
        if r["sourceIPAddress"] == "AWS Internal"
        else "host"
        if r["sourceIPAddress"].endswith(".amazonaws.com")
        else "ipv6"
        if ":" in r["sourceIPAddress"]
        else "vpce"
        if "vpcEndpointId" in r
        else "ipv4"
        for r in records
    )
    assert set(sources) == {"internal", "host", "ipv6", "vpce", "ipv4"}
    assert sources["ipv4"] > 0.6 * len(records)
    sessions = {r["userIdentity"]["principalId"] for r in records if r["userIdentity"]["type"] == "AssumedRole"}
    roles = {s.split(":")[0] for s in sessions}
    assert len(sessions) > 2 * len(roles)  # roles act through many sessions
    assert len({r["eventID"] for r in records}) == len(records)


def test_same_seed_same_bytes_other_seed_other_bytes(small_corpus: Generated, tmp_path: Path) -> None:
    generate(str(tmp_path / "again"), tmp_path / "truth.csv", seed=7, size=SMALL)
    assert _digest(tmp_path / "again") == _digest(small_corpus.root)
    assert (tmp_path / "truth.csv").read_bytes() == small_corpus.truth.read_bytes()
    generate(str(tmp_path / "other"), tmp_path / "other.csv", seed=8, size=SMALL)
    assert _digest(tmp_path / "other") != _digest(small_corpus.root)


def test_truth_labels_exactly_the_findings_with_a_principal(small_corpus: Generated) -> None:
    findings = _findings(small_corpus.root)
    assert len(findings) == small_corpus.summary.findings == 40
    with small_corpus.truth.open() as handle:
        truth = {row["finding_id"]: row for row in csv.DictReader(handle)}
    with_principal = {f["id"] for f in findings if "accessKeyDetails" in f["resource"]}
    assert set(truth) == with_principal
    assert Counter(row["label"] for row in truth.values()) == {
        "attack": small_corpus.summary.attack_findings,
        "benign": small_corpus.summary.benign_findings,
    }
    assert small_corpus.summary.attack_findings >= 8 and small_corpus.summary.benign_findings >= 8
    ec2 = [f for f in findings if "accessKeyDetails" not in f["resource"]]
    assert len(ec2) == small_corpus.summary.unlabelled_findings > 0
    assert all(f["resource"]["resourceType"] == "Instance" for f in ec2)


def test_every_supported_finding_type_can_be_generated(tmp_path: Path) -> None:
    size = CorpusSize(records=20_000, days=2, people=12, findings=150)
    summary = generate(str(tmp_path / "out"), tmp_path / "truth.csv", seed=3, size=size)
    types = Counter(f["type"] for f in _findings(tmp_path / "out"))
    assert summary.findings == 150
    assert "Recon:EC2/PortProbeUnprotectedPort" in types and "Policy:IAMUser/RootCredentialUsage" in types
    assert len(types) >= 10


@pytest.fixture(scope="module")
def tuples_of(small_corpus: Generated) -> Counter[tuple[str, ...]]:
    from secml_ingest.objects import read_cloudtrail_object

    pairs: Counter[tuple[str, ...]] = Counter()
    for path in (small_corpus.root / "cloudtrail").rglob("*.json.gz"):
        for line in read_cloudtrail_object(str(path), path.read_bytes()).tuples_csv.splitlines():
            pairs[tuple(line.split(","))] += 1
    return pairs


def test_attacks_come_from_unseen_addresses_and_benign_findings_from_usual_ones(
    small_corpus: Generated, tuples_of: Counter[tuple[str, ...]]
) -> None:
    from secml_ingest.guardduty import tuples_from_finding

    with small_corpus.truth.open() as handle:
        labels = {row["finding_id"]: row["label"] for row in csv.DictReader(handle)}
    per_principal: Counter[str] = Counter()
    for (principal, _), count in tuples_of.items():
        per_principal[principal] += count
    for finding in _findings(small_corpus.root):
        if finding["id"] not in labels:
            continue
        [pair] = tuples_from_finding(finding)
        planted = finding["service"]["count"]
        seen = tuples_of[(pair.principal, pair.ip)]
        assert per_principal[pair.principal] - planted >= 5, "findings name principals active in CloudTrail"
        if labels[finding["id"]] == "attack":
            assert seen == planted, "the attacker's calls are in CloudTrail, and only they use that address"
            assert planted <= max(3, 0.02 * per_principal[pair.principal]), "a small share of its records"
        else:
            assert seen > planted, "a benign finding's address is one the principal uses anyway"


def test_a_corpus_too_thin_for_findings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too few records per principal"):
        generate(
            str(tmp_path / "out"),
            tmp_path / "truth.csv",
            size=CorpusSize(records=1_000, days=1, people=400, findings=10),
        )
    with pytest.raises(ValueError, match="at least"):
        CorpusSize(records=10)
