"""The workshop's outline: each step's number and title, and the steps of each exercise. Kept
apart from the code that runs them so that `secml exercise --help` lists them without loading it."""

from __future__ import annotations

STEP_TITLES: dict[str, str] = {
    "1.1": "Generate sample findings",
    "1.2": "Examining real findings",
    "2.1": "Generate training data using CloudTrail logs",
    "2.2": "Generate scoring data using GuardDuty findings",
    "2.4": "Training and scoring with the IP Insights algorithm",
}
EXERCISES: dict[str, tuple[str, ...]] = {
    "1": ("1.1", "1.2"),
    "2": ("2.1", "2.2", "2.4"),
    **{step: (step,) for step in STEP_TITLES},
}
