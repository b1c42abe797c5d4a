from __future__ import annotations

import pytest

from secml_ingest.addresses import LiteralIp, literal_ip
from secml_ingest.outcomes import Skip
from secml_ingest.principals import principal_of, principal_of_access_key


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"type": "IAMUser", "principalId": "AIDAUSER"}, "AIDAUSER"),
        ({"type": "AssumedRole", "principalId": "AROAROLE:session-a"}, "AROAROLE"),
        ({"type": "AssumedRole", "principalId": "AROAROLE:i-0123"}, "AROAROLE"),
        ({"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"principalId": "AROAROLE"}}}, "AROAROLE"),
        ({"type": "Root", "principalId": "111122223333", "accountId": "111122223333"}, "root:111122223333"),
        ({"type": "FederatedUser", "principalId": "111122223333:bob"}, "111122223333:bob"),
        ({"type": "AWSAccount", "principalId": "AIDAOTHER"}, "AIDAOTHER"),
        ({"type": "AWSAccount", "principalId": "AROAOTHER:sess"}, "AROAOTHER"),
        ({"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}, Skip("aws_service_identity")),
        ({"accountId": "111122223333", "invokedBy": "ec2.amazonaws.com"}, Skip("invoked_by_only")),
        (None, Skip("no_user_identity")),
        ({}, Skip("no_user_identity")),
        ({"type": "IAMUser"}, Skip("no_principal_id")),
        ({"type": "SomethingNew", "principalId": "X"}, Skip("unsupported_identity_type")),
        (
            {
                "type": "IdentityCenterUser",
                "onBehalfOf": {
                    "userId": "5448-u1",
                    "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7",
                },
            },
            "d-9067642ac7/5448-u1",
        ),
        ({"type": "IdentityCenterUser", "onBehalfOf": {"userId": "5448-u1"}}, "5448-u1"),
        ({"type": "IdentityCenterUser", "principalId": "AIDAUSER", "onBehalfOf": {"userId": "u"}}, "AIDAUSER"),
        ({"type": "IdentityCenterUser", "onBehalfOf": {"identityStoreArn": "arn:x"}}, Skip("no_principal_id")),
        ({"type": "IdentityCenterUser", "onBehalfOf": "u"}, Skip("no_principal_id")),
    ],
)
def test_principal_rule(identity: object, expected: object) -> None:
    assert principal_of(identity) == expected


@pytest.mark.parametrize(
    ("details", "account", "cloudtrail_identity"),
    [
        ({"userType": "AssumedRole", "principalId": "AROAROLE:i-0abc"}, "111122223333",
         {"type": "AssumedRole", "principalId": "AROAROLE:other-session"}),
        ({"userType": "IAMUser", "principalId": "AIDAUSER"}, "111122223333", {"type": "IAMUser", "principalId": "AIDAUSER"}),
        ({"userType": "Root", "principalId": "111122223333"}, "111122223333",
         {"type": "Root", "principalId": "111122223333", "accountId": "111122223333"}),
        ({"userType": "FederatedUser", "principalId": "111122223333:bob"}, "111122223333",
         {"type": "FederatedUser", "principalId": "111122223333:bob"}),
    ],
)  # fmt: skip
def test_guardduty_principals_match_cloudtrail(details: dict, account: str, cloudtrail_identity: dict) -> None:
    assert principal_of_access_key(details, account) == principal_of(cloudtrail_identity)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.10", LiteralIp("203.0.113.10", 4)),
        ("10.0.12.34", LiteralIp("10.0.12.34", 4)),
        ("2001:DB8:0:0::1", LiteralIp("2001:db8::1", 6)),
        ("::ffff:192.0.2.1", LiteralIp("192.0.2.1", 4)),
        ("AWS Internal", Skip("aws_internal")),
        ("AWS Internal/3", Skip("aws_internal")),
        ("ec2.amazonaws.com", Skip("service_host_name")),
        ("", Skip("no_source_ip")),
        (None, Skip("no_source_ip")),
        ("010.1.2.3", Skip("not_an_ip")),
        ("999.1.2.3", Skip("not_an_ip")),
        ("not an address", Skip("not_an_ip")),
    ],
)
def test_ip_rule(value: object, expected: object) -> None:
    assert literal_ip(value) == expected
