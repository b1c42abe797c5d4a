"""What each kind of input object becomes as a part, so one parts machinery (parts.py) serves
both: a CloudTrail log becomes training tuples (its IPv6 tuples beside them, which SageMaker
cannot train on), a GuardDuty findings object becomes scoring tuples with its finding index beside
them. The part beside has the same name under its own prefix (never under the tuples prefix, so a
reader of `train/parts/` or `infer/parts/` sees tuples only); a finding-index part has its header
and row i describes tuple i of the tuples part, as in the single index the GuardDuty ingest writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from secml_ingest.guardduty import INDEX_HEADER
from secml_ingest.objects import ObjectTuples, read_cloudtrail_object, read_guardduty_object
from secml_ingest.s3_sources import StoredObject, cloudtrail_skip_reason, guardduty_skip_reason
from secml_ingest.summary import FINDINGS, RECORDS
from secml_ingest.tuples_csv import csv_text

DEFAULT_PARTS_PREFIX = "train/parts/"
DEFAULT_IPV6_PARTS_PREFIX = "train/parts-ipv6/"
DEFAULT_INFER_PARTS_PREFIX = "infer/parts/"
DEFAULT_INDEX_PARTS_PREFIX = "infer/parts-index/"


@dataclass(frozen=True)
class PartKind:
    """How one kind of object is read and which part goes beside its tuples part (`beside`
    gives its text, "" for none); the prefixes are defaults the environment may override."""

    unit: str
    skip_reason: Callable[[StoredObject], str | None]
    read: Callable[[str, bytes], ObjectTuples]
    beside: Callable[[ObjectTuples], str]
    parts_prefix: str
    beside_prefix: str
    beside_variable: str


def _ipv6_part(result: ObjectTuples) -> str:
    return result.ipv6_csv


def _index_part(result: ObjectTuples) -> str:
    """Always written, header included, even for an object with no tuple: every tuples part then
    has its index part, so the two prefixes list the same names."""
    return csv_text([INDEX_HEADER]) + result.index_csv


# Fields in PartKind's order: unit, skip_reason, read, beside, parts_prefix, beside_prefix, variable.
CLOUDTRAIL = PartKind(RECORDS, cloudtrail_skip_reason, read_cloudtrail_object, _ipv6_part,
                      DEFAULT_PARTS_PREFIX, DEFAULT_IPV6_PARTS_PREFIX, "IPV6_PARTS_PREFIX")  # fmt: skip
GUARDDUTY = PartKind(FINDINGS, guardduty_skip_reason, read_guardduty_object, _index_part,
                     DEFAULT_INFER_PARTS_PREFIX, DEFAULT_INDEX_PARTS_PREFIX, "INDEX_PARTS_PREFIX")  # fmt: skip
