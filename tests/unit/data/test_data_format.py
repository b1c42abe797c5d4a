"""The generated files parse with the project's own ingest code: every record yields a tuple or a
counted skip, every finding parses, and the findings' tuples are exactly the labelled ones."""

from __future__ import annotations

import csv
import gzip
import json

from generated_corpus import Generated

from secml_ingest.objects import read_cloudtrail_object, read_guardduty_object
from secml_ingest.outcomes import (
    AWS_INTERNAL,
    AWS_SERVICE_IDENTITY,
    NO_ACCESS_KEY_DETAILS,
    SERVICE_HOST_NAME,
)

EXPECTED_RECORD_SKIPS = {AWS_SERVICE_IDENTITY, AWS_INTERNAL, SERVICE_HOST_NAME}


def test_every_cloudtrail_record_yields_a_tuple_or_a_counted_skip(small_corpus: Generated) -> None:
    seen = written = ipv6 = 0
    skips: set[str] = set()
    for path in (small_corpus.root / "cloudtrail").rglob("*.json.gz"):
        data = path.read_bytes()
        result = read_cloudtrail_object(str(path), data).summary
        assert not result.bad_objects
        assert result.items_seen == len(json.loads(gzip.decompress(data))["Records"])
        assert result.items_seen == result.tuples_written + result.ipv6_tuples_written + sum(
            result.items_skipped.values()
        )
        seen += result.items_seen
        written += result.tuples_written
        ipv6 += result.ipv6_tuples_written
        skips |= set(result.items_skipped)
    assert seen == small_corpus.summary.records
    assert skips == EXPECTED_RECORD_SKIPS
    assert written > 0.75 * seen and ipv6 > 0


def test_every_finding_parses_and_the_labelled_ones_give_one_tuple_each(small_corpus: Generated) -> None:
    seen = 0
    indexed: list[str] = []
    for path in (small_corpus.root / "guardduty").rglob("*.json"):
        result = read_guardduty_object(str(path), path.read_bytes())
        assert not result.summary.bad_objects
        assert set(result.summary.items_skipped) <= {NO_ACCESS_KEY_DETAILS}
        seen += result.summary.items_seen
        indexed += [line.split(",")[0] for line in result.index_csv.splitlines()]
    with small_corpus.truth.open() as handle:
        labelled = [row["finding_id"] for row in csv.DictReader(handle)]
    assert seen == small_corpus.summary.findings
    assert sorted(indexed) == sorted(labelled)
