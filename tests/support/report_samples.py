"""Small synthetic report inputs: four findings (one port probe with two IPs, one from a principal
never seen in training), training scores 0.00..0.99, and a truth file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INDEX = """finding_id,type,severity,updated_at,account,region,principal,ip
f-attack,UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS,8,2024-05-01T10:00:00Z,111122223333,us-west-2,alice,203.0.113.9
f-benign,Recon:IAMUser/MaliciousIPCaller,5,2024-05-01T11:00:00Z,111122223333,us-west-2,bob,198.51.100.7
f-probe,Recon:EC2/PortProbeUnprotectedPort,2,2024-05-01T12:00:00Z,111122223333,us-west-2,ci-role,192.0.2.1
f-probe,Recon:EC2/PortProbeUnprotectedPort,2,2024-05-01T12:00:00Z,111122223333,us-west-2,ci-role,192.0.2.2
f-new,Policy:IAMUser/RootCredentialUsage,2,2024-05-01T13:00:00Z,111122223333,us-west-2,mallory,192.0.2.99
"""

SCORES = """principal,ip,dot_product,seen_principal
alice,203.0.113.9,-4.5,true
bob,198.51.100.7,2.5,true
ci-role,192.0.2.1,1.5,true
ci-role,192.0.2.2,-0.5,true
mallory,192.0.2.99,0.3,false
"""

TRUTH = """finding_id,label,reason
f-attack,attack,credentials used from a new network
f-benign,benign,usual home network
f-probe,attack,scan from a new network
f-new,attack,new principal
"""


def training_scores_csv(count: int = 100) -> str:
    rows = [f"user{i % 7},10.0.0.{i % 250},{i / count:.2f},true" for i in range(count)]
    rows.append("ghost,10.9.9.9,-99,false")  # unseen principals never calibrate the threshold
    return "principal,ip,dot_product,seen_principal\n" + "\n".join(rows) + "\n"


@dataclass(frozen=True)
class ReportFiles:
    index: Path
    scores: Path
    train_scores: Path
    truth: Path
