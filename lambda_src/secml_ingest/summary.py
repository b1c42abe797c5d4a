"""What an ingest run did: counts by reason, so a skipped record or object is never silent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# A Lambda response is at most 6 MB: list this many bad objects, count the rest.
MAX_BAD_OBJECTS_LISTED = 100
# What one item of an input object is: a CloudTrail record, or a GuardDuty finding (which may name
# several remote IPs, so its summary also counts the IPs left out of findings that gave tuples).
RECORDS = "records"
FINDINGS = "findings"


@dataclass(frozen=True)
class BadObject:
    key: str
    reason: str


@dataclass
class IngestSummary:
    """Counts for one run; `unit` names what an object holds (RECORDS or FINDINGS).

    `items_skipped` counts items that gave no tuple at all, so it never exceeds `items_seen`;
    `ips_skipped` counts the remote IPs of findings left out one by one (an IPv6 address, a
    detail without an address), which a finding may have several of."""

    unit: str
    objects_read: int = 0
    items_seen: int = 0
    tuples_written: int = 0
    ipv6_tuples_written: int = 0
    objects_skipped: Counter[str] = field(default_factory=Counter)
    items_skipped: Counter[str] = field(default_factory=Counter)
    ips_skipped: Counter[str] = field(default_factory=Counter)
    bad_objects: list[BadObject] = field(default_factory=list)

    def merge(self, other: IngestSummary) -> None:
        self.objects_read += other.objects_read
        self.items_seen += other.items_seen
        self.tuples_written += other.tuples_written
        self.ipv6_tuples_written += other.ipv6_tuples_written
        self.objects_skipped.update(other.objects_skipped)
        self.items_skipped.update(other.items_skipped)
        self.ips_skipped.update(other.ips_skipped)
        self.bad_objects.extend(other.bad_objects)

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, Any] = {
            "objects_read": self.objects_read,
            "objects_skipped": dict(sorted(self.objects_skipped.items())),
            f"{self.unit}_seen": self.items_seen,
            f"{self.unit}_skipped": dict(sorted(self.items_skipped.items())),
        }
        if self.unit == FINDINGS:
            counts["ips_skipped"] = dict(sorted(self.ips_skipped.items()))
        return counts | {
            "tuples_written": self.tuples_written,
            "ipv6_tuples_written": self.ipv6_tuples_written,
            "bad_objects_total": len(self.bad_objects),
            "bad_objects": [
                {"key": bad.key, "reason": bad.reason} for bad in self.bad_objects[:MAX_BAD_OBJECTS_LISTED]
            ],
        }

    @classmethod
    def from_dict(cls, counts: dict[str, Any], unit: str) -> IngestSummary:
        """The summary an invocation answered (`as_dict`), back as counts to merge; bad objects
        beyond those listed are kept as unnamed, so the total stays right."""
        listed = [BadObject(str(bad["key"]), str(bad["reason"])) for bad in counts.get("bad_objects", [])]
        unnamed = int(counts.get("bad_objects_total", len(listed))) - len(listed)
        return cls(
            unit=unit,
            objects_read=int(counts.get("objects_read", 0)),
            items_seen=int(counts.get(f"{unit}_seen", 0)),
            tuples_written=int(counts.get("tuples_written", 0)),
            ipv6_tuples_written=int(counts.get("ipv6_tuples_written", 0)),
            objects_skipped=Counter(counts.get("objects_skipped", {})),
            items_skipped=Counter(counts.get(f"{unit}_skipped", {})),
            ips_skipped=Counter(counts.get("ips_skipped", {})),
            bad_objects=listed + [BadObject("(not listed)", "over the listing limit")] * unnamed,
        )

    def lines(self) -> list[str]:
        """A human-readable summary, one fact a line."""
        lines = [
            f"objects read: {self.objects_read}",
            f"{self.unit} seen: {self.items_seen}",
            f"tuples written: {self.tuples_written}",
            f"IPv6 tuples written: {self.ipv6_tuples_written}",
        ]
        lines += [f"objects skipped ({reason}): {n}" for reason, n in sorted(self.objects_skipped.items())]
        lines += [f"{self.unit} skipped ({reason}): {n}" for reason, n in sorted(self.items_skipped.items())]
        lines += [f"remote IPs skipped ({reason}): {n}" for reason, n in sorted(self.ips_skipped.items())]
        lines += [f"bad object {bad.key}: {bad.reason}" for bad in self.bad_objects]
        if self.objects_read == 0 and not self.bad_objects:
            lines.append("no input objects found: the output is empty")
        return lines
