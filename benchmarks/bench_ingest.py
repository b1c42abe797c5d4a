"""Throughput and peak memory of `secml tuples cloudtrail` against the workshop's seed-style loop.

Builds corpora of realistic CloudTrail log objects (compact gzip JSON, as CloudTrail delivers them:
IAM users and assumed roles with many sessions, service events, `AWS Internal`, service host names,
request parameters of varied size) in a temporary folder, reads every file once so both sides find
it in the page cache, then times, alternately and several times, two fresh processes over the same
folder:

- the seed-style loop, a plain Python script: read each file, `json.loads` the whole of it, loop
  over `Records`, split `principalId` at ':', append to a list;
- `secml tuples cloudtrail FOLDER --out FILE`: the real command, start-up included, all cores.

Each figure is the best of the repetitions (the run least disturbed by other work on the machine),
with the median beside it. Peak memory is the largest resident set of any one process of a run
(`ru_maxrss` from `wait4`, which covers a process and the workers it waited for), at two corpus
sizes: it should not grow with the corpus.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--records 400000] [--small-records 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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


SEED_LOOP = """
import gzip, json, sys
from pathlib import Path

tuples = []
for path in sorted(Path(sys.argv[1]).rglob("*.json.gz")):
    with gzip.open(path) as log:
        document = json.loads(log.read())
    for record in document["Records"]:
        principal = record.get("userIdentity", {}).get("principalId", "").split(":")[0]
        tuples.append((principal, record.get("sourceIPAddress")))
print(len(tuples))
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def timed(command: list[str]) -> Run:
    """Wall time and peak resident set of one process (and the children it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit status {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


def warm_page_cache(folder: Path) -> None:
    for path in folder.rglob("*.json.gz"):
        path.read_bytes()


def compare(folder: Path, seed_script: Path, out: Path, repeat: int) -> dict[str, list[Run]]:
    secml = str(Path(sys.executable).with_name("secml"))
    commands = {
        "seed-style loop": [sys.executable, str(seed_script), str(folder)],
        "secml tuples cloudtrail": [secml, "tuples", "cloudtrail", str(folder), "--out", str(out)],
    }
    warm_page_cache(folder)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(timed(command))
    return runs


def report(records: int, runs: dict[str, list[Run]]) -> None:
    best = {name: min(run.seconds for run in measured) for name, measured in runs.items()}
    for name, measured in runs.items():
        median = statistics.median(run.seconds for run in measured)
        peak = max(run.peak_mib for run in measured)
        print(f"{name} ({records:,} records): {records / best[name]:,.0f} records/s best, "
              f"{records / median:,.0f} median of {len(measured)}; peak RSS {peak:.0f} MiB")  # fmt: skip
    seed, ours = best["seed-style loop"], best["secml tuples cloudtrail"]
    print(f"speed-up ({records:,} records): {seed / ours:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400_000)
    parser.add_argument("--small-records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side per corpus")
    args = parser.parse_args()
    print(f"cpus available: {len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="secml-bench-") as workdir:
        work = Path(workdir)
        seed_script = work / "seed_loop.py"
        seed_script.write_text(SEED_LOOP)
        empty = work / "empty"
        empty.mkdir()
        startup = min(timed([str(Path(sys.executable).with_name("secml")), "tuples", "cloudtrail", str(empty)]).seconds
                      for _ in range(args.repeat))  # fmt: skip
        print(f"secml tuples start-up (empty input): {startup:.2f} s")
        for records in (args.small_records, args.records):
            folder = work / f"corpus-{records}"
            size = build_corpus(folder, records)
            print(f"corpus: {records:,} records, {len(list(folder.rglob('*.json.gz')))} objects, {size / 2**20:.1f} MiB gzip")
            report(records, compare(folder, seed_script, work / f"tuples-{records}.csv", args.repeat))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
