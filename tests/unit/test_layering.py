"""The dependency rule: only transports/ may import a messenger SDK."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDKS = {"aiogram", "vk_api"}
CORE = ["bot", "handlers", "storage", "scheduler", "domain", "services"]


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_nothing_below_the_transports_imports_a_messenger_sdk() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in CORE
        if (ROOT / package).exists()
        for path in (ROOT / package).rglob("*.py")
        if imported_roots(path) & SDKS
    ]
    assert offenders == []


def test_the_check_itself_sees_sdk_imports() -> None:
    assert imported_roots(ROOT / "transports" / "telegram.py") & SDKS
