"""GetFunction's code location.

Upstream (moto 5.2.5): GetFunction answers `Code.Location` with an address on AWS's own
`awslambda-<region>-tasks.s3.<region>.amazonaws.com` host, which the emulator does not serve, so
the function's code cannot be downloaded. In AWS the location is a presigned URL from which the
deployment package can be fetched with a plain GET.

Patch: for a function whose code moto holds, the location is a `data:` URL carrying the
deployment package, which any URL opener (urllib's included) fetches with a plain GET, just as
it would the presigned URL. Everything else in the answer is moto's own.
"""

from __future__ import annotations

import base64
from typing import Any

from moto.awslambda.models import LambdaFunction

UPSTREAM_GET_CODE = LambdaFunction.get_code


def _get_code(self: LambdaFunction) -> dict[str, Any]:
    answer = UPSTREAM_GET_CODE(self)
    code = answer.get("Code")
    if isinstance(code, dict) and code.get("RepositoryType") == "S3" and self.code_bytes:
        code["Location"] = "data:application/zip;base64," + base64.b64encode(self.code_bytes).decode("ascii")
    return answer


def apply() -> None:
    LambdaFunction.get_code = _get_code
