"""What the history says about each (principal, IP) pair: the evidence columns of the report, a
normality score from them, and a one-line reason an analyst can check.

The normality score is the log of a density: how likely the principal is to log in from this very
address, estimated at every scale at once. For each prefix length L from /8 to /32 the address's
/L holds some share of the principal's events; spread over the /L's 2^(32-L) addresses that is a
density, and the score averages these densities over L, then adds the principal's roaming share
(secml.history.index: its events from an address used once and alone in its /16, shrunk towards
the account's share by PRIOR_EVENTS events) spread over the whole address space, the chance of a
login from anywhere. The shrinking matters where principals have few events: without it (a
share of (roaming + 1) / (events + 2)) the small accounts below kept recall 0.40 instead of 0.42 at
1 % FPR, and the workshop findings ranked at AUC 0.979 instead of 0.995, history alone.

No octet alignment is assumed: a /19 or /27 range is credited at exactly its own lengths, and an
address next to the principal's own ranges gets the density of the wider networks they share,
which falls as it moves away. Where to start
the average was measured (below): from /0 the small accounts lose 0.003 AUC and 0.07 recall at 1 %
FPR and the workshop findings 0.009 AUC; from /12 the small accounts gain 0.002 AUC, but the
workshop report's recall at its threshold fell from 0.56 to 0.46.

A network counts only when it holds at least OWN_NETWORK_SHARE (3 %) of the principal's events:
an attacker whose calls are already in the training logs (the workshop corpus: a handful of uses
from the attacker's address) must not make that address the principal's own. Measured with
benchmarks/bench_detection.py (small accounts, 45 runs, 30 % of attacks near the principal's own
ranges) and on the generated workshop corpus (exercise 2.4's history and findings), history alone,
with the fitting channel as the history:
- the mean share of events over /0 to /32 (the previous score): AUC 0.917 on the small accounts,
  0.955 on the workshop findings;
- densities from /8 with no minimum share: 0.972 on the small accounts, but 0.938 on the workshop
  findings, whose report then kept recall 0.04 at its threshold;
- this score before the roaming share was shrunk: 0.968 on the small accounts (recall 0.36 at 1 %
  FPR, against 0.29 before) and 0.967 on the workshop findings.
As it stands, with all the training tuples as the history (left_out_normality): 0.972 on the small
accounts (recall 0.42) and 0.995 on the workshop findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from secml.history.index import ADDRESS_BITS, ROAMING_PREFIX, HistoryIndex
from secml.ipinsights.addresses import format_ipv4, parse_ipv4

# The octet-aligned prefixes the report names (/32 is the address itself).
REPORTED_PREFIXES = (8, 16, 24, 32)
USUAL_PREFIX = 16
USUAL_COUNT = 3
# The prefix lengths the normality's density averages over, and the share of the principal's events
# a network must hold to count. A known principal's density is at least its roaming share over 2^32,
# never 0; the floor, far below it, is for an unknown principal or a non-IPv4 address.
DENSITY_LENGTHS = np.arange(8, ADDRESS_BITS + 1)
OWN_NETWORK_SHARE = 0.03
# Events' worth of the account's roaming share each principal's own share starts from.
PRIOR_EVENTS = 10.0
_FLOOR_DENSITY = 2.0**-80


@dataclass(frozen=True)
class Evidence:
    """Column-wise, one row per queried pair. `longest_prefix` is -1 (and every count 0) for a
    principal absent from the history and for an address that is not IPv4. `last_used` is the
    last day the principal used the address's `longest_prefix` network: known only for a history
    read from dated parts (secml.history.index), NaT otherwise."""

    longest_prefix: np.ndarray  # int64, leading bits shared with the closest address used before
    seen: dict[int, np.ndarray]  # prefix length -> times the principal used the address's prefix
    principal_events: np.ndarray  # int64
    new_to_account: np.ndarray  # bool
    normality: np.ndarray  # float64, log of the density; higher = more usual for the principal
    valid: np.ndarray  # bool: the principal is known and the address is IPv4
    last_used: np.ndarray  # datetime64[D], NaT when unknown


def gather(history: HistoryIndex, principals: Sequence[str], ips: Sequence[str]) -> Evidence:
    """The evidence of every pair, vectorised (millions of pairs take seconds)."""
    ids, addresses, valid_ip = _lookup(history, principals, ips)
    totals = history.principal_totals(ids)
    lengths = sorted(set(DENSITY_LENGTHS.tolist()) | set(REPORTED_PREFIXES))
    counts = {bits: history.count_in_prefix(ids, addresses, bits) for bits in lengths}
    longest_prefix = history.longest_prefix(ids, addresses)
    return Evidence(
        longest_prefix=longest_prefix,
        seen={bits: counts[bits] for bits in REPORTED_PREFIXES},
        principal_events=totals,
        new_to_account=history.new_to_account(addresses) | ~valid_ip,
        normality=_normality(history, ids, counts, totals),
        valid=ids >= 0,
        last_used=history.last_used(ids, addresses, longest_prefix),
    )


def left_out_normality(history: HistoryIndex, principals: Sequence[str], ips: Sequence[str]) -> np.ndarray:
    """The normality of each pair as the history would judge it without the pair's own uses.

    Held-out pairs (secml.ipinsights.holdout holds out every use of a distinct pair together) are
    the normal activity the verdict is calibrated on, so each must look new to the history. Judged
    this way, the history can be all the training tuples, held-out pairs included: a principal
    whose main address happened to be held out still has it in its history when its findings are
    judged. With the fitting channel as the history a held-out pair has no own uses, and this is
    `gather(...).normality`. A principal with no other use is judged as one the history lacks.
    Roaming is recounted: the pair's own address stops counting, and a single use it shared its
    /16 with becomes a login from anywhere, alone there now."""
    ids, addresses, _ = _lookup(history, principals, ips)
    own = history.count_in_prefix(ids, addresses, ADDRESS_BITS)
    counts = {bits: history.count_in_prefix(ids, addresses, bits) - own for bits in DENSITY_LENGTHS.tolist()}
    known = ids >= 0
    was_roaming = history.is_roaming(ids, addresses) & known
    left_alone = known & (own > 0) & (history.count_in_prefix(ids, addresses, ROAMING_PREFIX) - own == 1)
    roaming_lost = was_roaming.astype(np.int64) - left_alone.astype(np.int64)
    return _normality(history, ids, counts, history.principal_totals(ids) - own, own, roaming_lost)


def _lookup(
    history: HistoryIndex, principals: Sequence[str], ips: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's principal id (-1 when unknown or the address is not IPv4), address and IPv4-ness."""
    parsed = parse_ipv4([ip.strip() for ip in ips])
    ids = history.principal_ids([p.strip() for p in principals])
    return np.where(parsed.valid, ids, -1), parsed.values, parsed.valid


def _normality(
    history: HistoryIndex,
    ids: np.ndarray,
    counts: dict[int, np.ndarray],
    totals: np.ndarray,
    left_out: np.ndarray | int = 0,
    left_out_roaming: np.ndarray | int = 0,
) -> np.ndarray:
    """log density (`density`) for a known principal with events, log _FLOOR_DENSITY otherwise.
    Its roaming share is shrunk towards the account's: (roaming events + PRIOR_EVENTS x the
    account's share) / (events + PRIOR_EVENTS), so a principal with few events borrows the
    account's habits instead of looking sure it never roams (or always does). `left_out` and
    `left_out_roaming` are the events and roaming events each pair's leaving out takes from its
    principal and the account (left_out_normality; a roaming count may grow by one)."""
    known = (ids >= 0) & (totals > 0)
    roaming = history.roaming_events[np.maximum(ids, 0)] if history.principals.size else np.zeros(ids.size)
    account_roaming = int(history.roaming_events.sum()) - np.asarray(left_out_roaming)
    account_share = (account_roaming + 1.0) / (history.tuples - np.asarray(left_out) + 2.0)
    own_roaming = roaming - left_out_roaming + PRIOR_EVENTS * account_share
    share = np.where(known, own_roaming / (np.maximum(totals, 0) + PRIOR_EVENTS), 0.0)
    return np.log(np.where(known, density(counts, totals, share), _FLOOR_DENSITY))


def density(counts: dict[int, np.ndarray], totals: np.ndarray, roaming: np.ndarray) -> np.ndarray:
    """The mean over DENSITY_LENGTHS of (share of events in the address's /L, when at least
    OWN_NETWORK_SHARE) / 2^(32-L), plus the roaming share / 2^32; at least _FLOOR_DENSITY."""
    total = np.zeros(totals.size)
    for bits in DENSITY_LENGTHS.tolist():
        share = counts[bits] / np.maximum(totals, 1)
        total += np.where(share >= OWN_NETWORK_SHARE, share, 0.0) / 2.0 ** (ADDRESS_BITS - bits)
    return np.maximum(total / DENSITY_LENGTHS.size + roaming / 2.0**ADDRESS_BITS, _FLOOR_DENSITY)


def network_name(ip: int, bits: int) -> str:
    """`a.b.c.d/bits` of the network holding `ip`."""
    mask = (0xFFFFFFFF << (ADDRESS_BITS - bits)) & 0xFFFFFFFF if bits else 0
    return f"{format_ipv4(np.array([ip & mask], dtype=np.uint32))[0]}/{bits}"


def usual_networks(
    history: HistoryIndex, principal: str, bits: int = USUAL_PREFIX, top: int = USUAL_COUNT
) -> list[tuple[str, int]]:
    """The principal's most used /`bits` networks with their counts, most used first (ties by
    address, so the list is the same every run)."""
    ids = history.principal_ids([principal])
    if ids[0] < 0:
        return []
    ips, counts = history.addresses_of(int(ids[0]))
    networks = (ips >> np.uint32(ADDRESS_BITS - bits)).astype(np.int64)
    distinct, inverse = np.unique(networks, return_inverse=True)
    totals = np.bincount(inverse, weights=counts).astype(np.int64)
    order = np.lexsort((distinct, -totals))[:top]
    return [(network_name(int(distinct[i]) << (ADDRESS_BITS - bits), bits), int(totals[i])) for i in order]


def usual_text(networks: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} ({count}×)" for name, count in networks)


def day_text(days: np.ndarray) -> list[str | None]:
    """`YYYY-MM-DD` of each datetime64[D] day, None for NaT."""
    return [None if np.isnat(day) else str(day) for day in np.asarray(days, dtype="datetime64[D]")]


def reason(
    ip: str,
    longest_prefix: int,
    seen: dict[int, int],
    events: int,
    usual: list[tuple[str, int]],
    last_used: str | None = None,
) -> str:
    """One line: the first octet-aligned network of the address the principal never used, or how
    often it used the address itself (and what share of its `events` that is), when it last used
    the closest network (`last_used`, a day known only from dated parts; from /8 on, as the
    closest network is named), then its usual networks."""
    parsed = parse_ipv4([ip])
    if not parsed.valid[0]:
        return "not an IPv4 address: no history to compare"
    if longest_prefix < 0:
        return "principal absent from the training history"
    value = int(parsed.values[0])
    usual_part = f"; usual: {usual_text(usual)}" if usual else ""
    dated = last_used is not None and longest_prefix >= 8
    if seen[ADDRESS_BITS] > 0:
        share = seen[ADDRESS_BITS] / max(events, 1)
        when = f", last on {last_used}" if dated else ""
        return (
            f"used this address {seen[ADDRESS_BITS]}× before ({share:.2%} of its {events:,} events){when}{usual_part}"
        )
    never = next(bits for bits in REPORTED_PREFIXES if seen[bits] == 0)
    closest = f" (closest: same /{longest_prefix})" if longest_prefix >= 8 else ""
    what = "this address" if never == ADDRESS_BITS else network_name(value, never)
    when = f"; last used {network_name(value, longest_prefix)} on {last_used}" if dated else ""
    return f"never used {what}{closest}{when}{usual_part}"
