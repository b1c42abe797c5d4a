"""Throughput and peak memory of `secml tuples cloudtrail` against the workshop's seed-style loop.

Builds corpora of realistic CloudTrail log objects (compact gzip JSON, as CloudTrail delivers them:
IAM users and assumed roles with many sessions, service events, `AWS Internal`, service host names,
request parameters of varied size) in a temporary folder, then runs, each in a fresh process:

- the seed-style loop: read each file, `json.loads` the whole of it, loop over `Records`, split
  `principalId` at ':', append to a list;
- `secml tuples cloudtrail FOLDER --out FILE`: the real command (start-up included), all cores.

Prints one line per figure. Peak memory is the largest resident set of the run's processes
(`ru_maxrss` of the waited-for children), at two corpus sizes.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--records 400000] [--small-records 100000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECORDS_PER_FILE = 1000
ACCOUNT = "123456789012"
EVENTS = [("ec2.amazonaws.com", "DescribeInstances"), ("s3.amazonaws.com", "GetObject"),
          ("sts.amazonaws.com", "AssumeRole"), ("iam.amazonaws.com", "ListRoles"),
          ("kms.amazonaws.com", "Decrypt"), ("lambda.amazonaws.com", "Invoke"),
          ("logs.amazonaws.com", "PutLogEvents"), ("dynamodb.amazonaws.com", "Query")]  # fmt: skip


def _identity(rng: random.Random, n: int) -> dict[str, object]:
    kind = rng.random()
    if kind < 0.35:
        user = rng.randrange(200)
        return {"type": "IAMUser", "principalId": f"AIDA{user:017d}", "arn": f"arn:aws:iam::{ACCOUNT}:user/user{user}",
                "accountId": ACCOUNT, "accessKeyId": f"AKIA{user:016d}", "userName": f"user{user}"}  # fmt: skip
    if kind < 0.95:
        role = rng.randrange(60)
        session = f"i-{rng.randrange(16**12):012x}" if role % 2 else f"botocore-session-{n}"
        return {"type": "AssumedRole", "principalId": f"AROA{role:017d}:{session}",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/role{role}/{session}", "accountId": ACCOUNT,
                "accessKeyId": f"ASIA{n:016d}", "sessionContext": {"sessionIssuer": {"type": "Role",
                "principalId": f"AROA{role:017d}", "arn": f"arn:aws:iam::{ACCOUNT}:role/role{role}",
                "accountId": ACCOUNT, "userName": f"role{role}"}, "webIdFederationData": {},
                "attributes": {"creationDate": "2024-03-01T09:00:00Z", "mfaAuthenticated": "false"}}}  # fmt: skip
    return {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}


def _source_ip(rng: random.Random, identity: dict[str, object]) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "AWS Internal"
    if roll < 0.10 or identity["type"] == "AWSService":
        return rng.choice(EVENTS)[0]
    home = hash(identity.get("principalId", "")) % 250
    return f"{rng.choice((3, 18, 52, 54, 10))}.{home}.{rng.randrange(4)}.{rng.randrange(1, 255)}"


def _record(rng: random.Random, n: int) -> dict[str, object]:
    identity = _identity(rng, n)
    source, name = rng.choice(EVENTS)
    parameters = {"filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": f"t{i}"}]}}
                                          for i in range(rng.randrange(1, 6))]}, "maxResults": 100}  # fmt: skip
    return {"eventVersion": "1.08", "userIdentity": identity, "eventTime": f"2024-03-01T10:{n % 60:02d}:00Z",
            "eventSource": source, "eventName": name, "awsRegion": "us-west-2",
            "sourceIPAddress": _source_ip(rng, identity), "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64",
            "requestParameters": parameters, "responseElements": None, "requestID": f"{n:08x}-1b2c-4d5e-8f90-0123456789ab",
            "eventID": f"{n:08x}-aaaa-4bbb-8ccc-0123456789ab", "readOnly": True, "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management",
            "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": source.replace("amazonaws", "us-west-2.amazonaws")}}  # fmt: skip


def build_corpus(folder: Path, records: int, seed: int = 7) -> int:
    """Gzip log objects in the account layout under `folder`; returns their total size in bytes."""
    rng = random.Random(seed)
    day = folder / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-west-2" / "2024" / "03" / "01"
    day.mkdir(parents=True, exist_ok=True)
    total = 0
    for number, first in enumerate(range(0, records, RECORDS_PER_FILE)):
        batch = [_record(rng, n) for n in range(first, min(records, first + RECORDS_PER_FILE))]
        body = gzip.compress(json.dumps({"Records": batch}, separators=(",", ":")).encode(), 6)
        (day / f"{ACCOUNT}_CloudTrail_us-west-2_20240301T1000Z_{number:06d}.json.gz").write_bytes(body)
        total += len(body)
    return total


def seed_loop(folder: Path) -> int:
    """The workshop's loop: whole-file json.loads, split principalId at ':', keep every tuple."""
    tuples = []
    for path in sorted(folder.rglob("*.json.gz")):
        with gzip.open(path) as log:
            document = json.loads(log.read())
        for record in document["Records"]:
            principal = record.get("userIdentity", {}).get("principalId", "").split(":")[0]
            tuples.append((principal, record.get("sourceIPAddress")))
    return len(tuples)


def _child(kind: str, folder: Path, out: Path) -> None:
    """Runs one measured workload in this (fresh) process; prints seconds and peak RSS in KiB."""
    started = time.perf_counter()
    if kind == "seed":
        seed_loop(folder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    else:
        secml = Path(sys.executable).with_name("secml")
        subprocess.run([str(secml), "tuples", "cloudtrail", str(folder), "--out", str(out)], check=True,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_kib": peak}))


def measure(kind: str, folder: Path, out: Path) -> dict[str, float]:
    answer = subprocess.run([sys.executable, __file__, "--child", kind, str(folder), str(out)],
                            check=True, capture_output=True, text=True)  # fmt: skip
    return dict(json.loads(answer.stdout))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400_000)
    parser.add_argument("--small-records", type=int, default=100_000)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FOLDER", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    print(f"cpus available: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory(prefix="secml-bench-") as workdir:
        empty = Path(workdir) / "empty"
        empty.mkdir()
        startup = measure("secml", empty, Path(workdir) / "empty.csv")["seconds"]
        print(f"secml start-up (empty input, all commands imported): {startup:.2f} s")
        for records in (args.small_records, args.records):
            folder, out = Path(workdir) / f"corpus-{records}", Path(workdir) / f"tuples-{records}.csv"
            size = build_corpus(folder, records)
            print(f"corpus: {records} records, {records // RECORDS_PER_FILE} objects, {size / 2**20:.1f} MiB gzip")
            seed = measure("seed", folder, out)
            ours = measure("secml", folder, out)
            print(f"seed-style loop ({records} records): {records / seed['seconds']:,.0f} records/s")
            print(f"secml tuples cloudtrail ({records} records): {records / ours['seconds']:,.0f} records/s")
            print(f"speed-up ({records} records): {seed['seconds'] / ours['seconds']:.2f}x")
            print(f"secml records/s excluding start-up ({records} records): "
                  f"{records / max(ours['seconds'] - startup, 1e-9):,.0f}")
            print(f"peak RSS seed-style loop ({records} records): {seed['peak_kib'] / 1024:.0f} MiB")
            print(f"peak RSS secml tuples cloudtrail ({records} records): {ours['peak_kib'] / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
