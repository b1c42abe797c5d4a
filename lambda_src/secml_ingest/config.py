"""The ingest Lambdas' configuration, read from the environment once at the start of a run, so
a missing variable fails before any S3 call with a message naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Where the functions write when OUTPUT_KEY/IPV6_OUTPUT_KEY/INDEX_KEY are unset: the same keys the
# stack sets, so the training run finds the tuples whichever way the functions were configured.
DEFAULT_CLOUDTRAIL_OUTPUT_KEY = "train/cloudtrail_tuples.csv"
DEFAULT_CLOUDTRAIL_IPV6_KEY = "train/cloudtrail_tuples_ipv6.csv"
DEFAULT_GUARDDUTY_OUTPUT_KEY = "infer/guardduty_tuples.csv"
DEFAULT_INDEX_KEY = "infer/guardduty_findings.csv"


class ConfigError(Exception):
    """A required environment variable is missing or empty."""


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"missing environment variable {name}")
    return value


@dataclass(frozen=True)
class CloudTrailConfig:
    input_bucket: str
    input_prefix: str
    output_bucket: str
    output_key: str
    ipv6_output_key: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> CloudTrailConfig:
        return cls(
            input_bucket=_required(environ, "INPUT_BUCKET"),
            input_prefix=environ.get("INPUT_PREFIX", ""),
            output_bucket=_required(environ, "OUTPUT_BUCKET"),
            output_key=environ.get("OUTPUT_KEY") or DEFAULT_CLOUDTRAIL_OUTPUT_KEY,
            ipv6_output_key=environ.get("IPV6_OUTPUT_KEY") or DEFAULT_CLOUDTRAIL_IPV6_KEY,
        )


@dataclass(frozen=True)
class GuardDutyConfig:
    input_bucket: str
    input_prefix: str
    output_bucket: str
    output_key: str
    index_key: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> GuardDutyConfig:
        return cls(
            input_bucket=_required(environ, "INPUT_BUCKET"),
            input_prefix=environ.get("INPUT_PREFIX", ""),
            output_bucket=_required(environ, "OUTPUT_BUCKET"),
            output_key=environ.get("OUTPUT_KEY") or DEFAULT_GUARDDUTY_OUTPUT_KEY,
            index_key=environ.get("INDEX_KEY") or DEFAULT_INDEX_KEY,
        )
