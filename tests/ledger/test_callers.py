"""Every caller in app/ names the owner's community, so the ledger never reads users or merchants for it
(issue #11/#17); leaving `community_id` out is kept only for tests and older branches."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def test_every_account_lookup_in_app_passes_community_id() -> None:
    missing = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"user_account", "merchant_account"} and not any(
                k.arg == "community_id" for k in node.keywords
            ):
                missing.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert not missing, missing
