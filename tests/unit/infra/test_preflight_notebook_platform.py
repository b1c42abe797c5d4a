"""Doctor's notebook-platform line: AL2 is past its end of support; AL2023 is accepted but the
lifecycle script has not been run on it, and doctor says what it relies on."""

from __future__ import annotations

from secml.infra.preflight import check_notebook_platform


def test_amazon_linux_2_is_a_note_naming_the_api_default() -> None:
    check = check_notebook_platform("notebook-al2-v3")
    assert check.status == "note" and "notebook-al2023-v1 is the API's default" in check.message


def test_amazon_linux_2023_is_a_note_naming_what_the_lifecycle_script_needs() -> None:
    check = check_notebook_platform("notebook-al2023-v1")
    assert check.status == "note" and "/home/ec2-user/anaconda3/envs/python3" in check.message
