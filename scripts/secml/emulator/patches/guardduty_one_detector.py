"""Strictness: one GuardDuty detector per account and region, as on AWS.

Upstream (moto 5.2.5): CreateDetector always succeeds, so a stack that creates a detector applies
cleanly to an emulator that already holds one, while on AWS, where GuardDuty allows exactly one
detector per account and region (no quota increase) and every organisation with GuardDuty
auto-enable already has it, the same apply fails half-way.

Patch: CreateDetector in a region that already holds a detector answers GuardDuty's
BadRequestException (HTTP 400), with AWS's message, and stores nothing.
"""

from __future__ import annotations

from typing import Any

from moto.guardduty import models

from secml.emulator.patches.guardduty_sample_findings import InvalidInputException as BadRequestException

UPSTREAM_CREATE_DETECTOR = models.GuardDutyBackend.create_detector
# GuardDuty's answer to a second CreateDetector in one account and region.
DETECTOR_EXISTS_MESSAGE = "The request is rejected because a detector already exists for the current account."


def create_detector(self: models.GuardDutyBackend, *args: Any, **kwargs: Any) -> str:
    if self.detectors:
        raise BadRequestException(DETECTOR_EXISTS_MESSAGE)
    return str(UPSTREAM_CREATE_DETECTOR(self, *args, **kwargs))


def apply() -> None:
    models.GuardDutyBackend.create_detector = create_detector
