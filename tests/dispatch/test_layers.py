"""Dispatch's layers: only the live reads ask TechLink (and write what they find back to the read model);
selectors only read the read model; views, forms and template tags see TechLink only through the core
boundary's exceptions."""

from __future__ import annotations

import ast
from pathlib import Path

import portal_ui.dispatch

DISPATCH = Path(portal_ui.dispatch.__file__).parent


def _modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _python_files() -> list[Path]:
    return sorted(p for p in DISPATCH.rglob("*.py") if "migrations" not in p.parts)


def test_it_asks_techlink_only_in_the_live_reads():
    askers = [
        p.relative_to(DISPATCH).as_posix() for p in _python_files() if "techlink_client" in p.read_text()
    ]
    assert askers == ["live.py"]


def test_it_writes_the_read_model_back_only_from_the_live_reads_and_the_sync_request():
    writers = {
        p.relative_to(DISPATCH).as_posix()
        for p in _python_files()
        if any(m.startswith("portal_ui.mirror.services") for m in _modules(p))
    }
    assert writers == {"live.py", "views/home.py"}


def test_it_keeps_the_client_out_of_views_forms_and_template_tags():
    facing = [
        p for p in _python_files() if p.name == "forms.py" or p.parent.name in {"views", "templatetags"}
    ]
    assert facing
    for path in facing:
        assert not {m for m in _modules(path) if m.startswith("portal_ui.integrations")}, path
