"""The workshop's outline: each step's number and title, and the steps of each exercise. Kept
apart from the code that runs them so that `secml exercise --help` lists them without loading it."""

from __future__ import annotations

STEP_TITLES: dict[str, str] = {
    "1.1": "Generate sample findings",
    "1.2": "Examining real findings",
    "2.1": "Generate training data using CloudTrail logs",
    "2.2": "Generate scoring data using GuardDuty findings",
    "2.4": "Training and scoring with the IP Insights algorithm",
    "3.1": "Deploy the automation",
    "3.2": "Promote the exercise 2 model",
    "3.3": "Score new findings as they arrive",
}
EXERCISES: dict[str, tuple[str, ...]] = {
    "1": ("1.1", "1.2"),
    "2": ("2.1", "2.2", "2.4"),
    "3": ("3.1", "3.2", "3.3"),
    **{step: (step,) for step in STEP_TITLES},
}

# Exercise 3 emits this many findings by default (of the default corpus's 120 labelled findings
# with a scoring tuple): enough of both labels for a ROC AUC, and `make demo` stays under 3 minutes
# (the emulator scores about 3 findings a second on 2 cores, each invocation a cold subprocess).
DEFAULT_EXERCISE3_FINDINGS = 32
