"""GuardDuty finding details the generators build (remoteIpDetails from the network table)."""

from __future__ import annotations

import numpy as np
import pytest

from secml.data.findings import remote_ip_details
from secml.data.networks import PROVIDERS, build_table
from secml.ipinsights.addresses import format_ipv4


def test_remote_ip_details_name_the_provider_of_the_address() -> None:
    table = build_table(4096, seed=0)
    ranges = np.array([0, 17, 4095])
    for ip, provider_index in zip(
        format_ipv4(table.draw_ips(np.random.default_rng(0), ranges)), table.provider[ranges].tolist(), strict=True
    ):
        details = remote_ip_details(table, ip)
        provider = PROVIDERS[provider_index]
        assert details["ipAddressV4"] == ip
        assert details["organization"]["asn"] == str(provider.asn)
        assert details["country"]["countryCode"] == provider.country_code


def test_remote_ip_details_refuse_text_that_is_no_ipv4_address() -> None:
    table = build_table(4096, seed=0)
    with pytest.raises(ValueError):
        remote_ip_details(table, "10.0.0")
    with pytest.raises(ValueError, match="in no range"):
        remote_ip_details(table, "10.0.0.1")
