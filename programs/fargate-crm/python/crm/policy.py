"""IAM policy documents whose resources may be outputs of other resources.

One action or resource is written as a string, several as a list (as the inventory writes them);
the Rust and TypeScript variants follow the same rule so the three produce the same documents.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from engine_sdk import Input
from engine_sdk.aws import iam


def allow(
    actions: Sequence[str],
    resources: Sequence[Input[str]],
    *,
    sid: Optional[str] = None,
    service: Optional[str] = None,
    aws_principal: Optional[str] = None,
    source_account: Optional[str] = None,
) -> Dict[str, Any]:
    """One ``Allow`` statement; ``service``/``aws_principal`` for resource policies,
    ``source_account`` to accept requests from this account only (``aws:SourceAccount``)."""
    statement: Dict[str, Any] = {}
    if sid is not None:
        statement["Sid"] = sid
    statement["Effect"] = "Allow"
    if service is not None:
        statement["Principal"] = {"Service": service}
    if aws_principal is not None:
        statement["Principal"] = {"AWS": aws_principal}
    statement["Action"] = actions[0] if len(actions) == 1 else list(actions)
    statement["Resource"] = resources[0] if len(resources) == 1 else list(resources)
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return statement


def document(*statements: Dict[str, Any]) -> Dict[str, Any]:
    """A policy document (version 2012-10-17) of ``statements``."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(service: str) -> Dict[str, Any]:
    """The trust policy of a role that ``service`` assumes."""
    return document({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def inline(name: str, *statements: Dict[str, Any]) -> List[iam.RolePolicy2Args]:
    """A role's one inline policy."""
    return [{"policy_name": name, "policy_document": document(*statements)}]
