"""Strictness: Lambda reserved concurrency is checked against the account's quota, and
GetAccountSettings reports it, as on AWS.

Upstream (moto 5.2.5): PutFunctionConcurrency accepts any reservation unless the process has
MOTO_LAMBDA_CONCURRENCY_QUOTA set, and then always keeps 100 unreserved, whatever the quota;
GetAccountSettings is not implemented. On AWS an account has a concurrent-executions quota
(1,000 by default, as low as 10 in new accounts) and Lambda keeps part of it unreserved
(100, or the whole quota when that is lower): a reservation that would leave less is refused
with InvalidParameterValueException.

Patch: the account quota is SECML_EMULATOR_LAMBDA_CONCURRENCY (default 1000), read when the
emulator starts, so a test can start an emulator that has the reduced quota of a new account.
PutFunctionConcurrency refuses a reservation that would leave less than the minimum unreserved,
with AWS's message; GetAccountSettings answers AccountLimit.ConcurrentExecutions and
UnreservedConcurrentExecutions from it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from moto.awslambda import models, responses, urls
from moto.awslambda.exceptions import InvalidParameterValueException

QUOTA_VARIABLE = "SECML_EMULATOR_LAMBDA_CONCURRENCY"
DEFAULT_ACCOUNT_QUOTA = 1000
# Lambda keeps this much of the account's concurrency unreserved (all of it below this quota).
MINIMUM_UNRESERVED = 100
ACCOUNT_SETTINGS_PATH = {"{0}/(?P<api_version>[^/]+)/account-settings/?$": responses.LambdaResponse.dispatch}


def account_quota() -> int:
    return int(os.environ.get(QUOTA_VARIABLE, DEFAULT_ACCOUNT_QUOTA))


def minimum_unreserved(quota: int) -> int:
    return min(MINIMUM_UNRESERVED, quota)


def reserved_elsewhere(backend: models.LambdaBackend, function_name: str) -> int:
    """Concurrency reserved by the account's other functions in this region."""
    return sum(
        int(function.reserved_concurrency)
        for function in backend.list_functions()
        if function.reserved_concurrency and function.function_name != function_name
    )


def put_function_concurrency(self: models.LambdaBackend, function_name: str, reserved_concurrency: str) -> str:
    function = self.get_function(function_name)
    quota = account_quota()
    floor = minimum_unreserved(quota)
    if quota - reserved_elsewhere(self, function.function_name) - int(reserved_concurrency) < floor:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{floor}]."
        )
    function.reserved_concurrency = reserved_concurrency
    return str(function.reserved_concurrency)


def account_settings(backend: models.LambdaBackend) -> dict[str, Any]:
    quota = account_quota()
    return {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": quota,
            "UnreservedConcurrentExecutions": quota - reserved_elsewhere(backend, ""),
        },
        "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(list(backend.list_functions()))},
    }


def respond_get_account_settings(self: responses.LambdaResponse) -> str:
    return json.dumps(account_settings(self.backend))


def apply() -> None:
    models.LambdaBackend.put_function_concurrency = put_function_concurrency
    responses.LambdaResponse.get_account_settings = respond_get_account_settings
    urls.url_paths.update(ACCOUNT_SETTINGS_PATH)
