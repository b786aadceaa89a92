"""The layers go one way: views/API/tasks -> services and selectors -> the TechLink client -> HTTP."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "portal_ui"
CLIENT = PACKAGE / "integrations" / "techlink"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def test_it_keeps_django_out_of_the_techlink_client():
    for path in python_files(CLIENT):
        django_imports = {m for m in imported_modules(path) if m.split(".")[0] in {"django", "portal_ui"}}
        assert not django_imports - {
            m for m in django_imports if m.startswith("portal_ui.integrations.techlink")
        }, path


@pytest.mark.parametrize("layer", ["views.py", "api.py", "customer.py", "forms.py"])
def test_it_keeps_http_libraries_out_of_views(layer):
    files = [p for p in python_files(PACKAGE) if p.name == layer]
    assert files, f"no {layer} found"
    for path in files:
        http = {m for m in imported_modules(path) if m.split(".")[0] in {"requests", "urllib3", "httpx"}}
        assert not http, f"{path} imports {http}"


def test_it_keeps_request_objects_out_of_services():
    for path in python_files(PACKAGE):
        if path.name != "services.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                params = [a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs]
                assert "request" not in params, f"{path}:{node.lineno} {node.name} takes a request"


def test_it_makes_public_service_functions_keyword_only():
    offenders = []
    for path in python_files(PACKAGE):
        if path.name != "services.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.args.args:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not offenders, offenders


def test_it_lets_views_reach_upstream_only_through_services_and_selectors():
    for path in python_files(PACKAGE):
        if path.name not in {"views.py", "api.py", "customer.py"}:
            continue
        assert "portal_ui.core.upstream" not in imported_modules(path), (
            f"{path} calls the TechLink client itself"
        )
