"""GuardDuty GetAdministratorAccount on the wire for moto 5.2.5.

Gap: moto's answer carries its keys in the SDKs' PascalCase (`{"Administrator": {"AccountId": …}}`)
where the REST-JSON protocol says camelCase (`administrator`, `accountId`, `relationshipStatus`),
so every SDK reads an empty answer and a member account looks like a standalone one. secml asks it
before sample findings (a member cannot archive them). The fix answers the documented shape from
the same backend state (`EnableOrganizationAdminAccount` names the administrator).

Remove this module when moto answers in camelCase (a canary in tests/unit/data fails then).
"""

from __future__ import annotations

import json

from moto.guardduty import responses


def respond_get_administrator_account(self: responses.GuardDutyResponse) -> str:
    detector_id = self.path.split("/detector/", 1)[1].split("/", 1)[0]
    administrator = self.guardduty_backend.get_administrator_account(detector_id).get("Administrator")
    if not administrator:
        return "{}"
    return json.dumps({"administrator": {"accountId": administrator["AccountId"], "relationshipStatus": "Enabled"}})


def apply() -> None:
    responses.GuardDutyResponse.get_administrator_account = respond_get_administrator_account
