"""The layers go one way: views/API/tasks -> services and selectors -> the TechLink client -> HTTP.

Views, forms, the Portal Link API and the customer page see TechLink only through ``portal_ui.core.upstream``
(its exceptions and banner); selectors only read; ``jobs`` knows nothing of ``dispatch``; TechLink's wildcard
syntax is read in one place.
"""

import ast
import re
from pathlib import Path

import pytest

from portal_ui.core.upstream import BOUNDARY

PACKAGE = Path(__file__).resolve().parents[2] / "portal_ui"
CLIENT = PACKAGE / "integrations" / "techlink"
WILDCARDS = CLIENT / "wildcards.py"
# The modules that face people or integrations: views (a module or a package), forms, the API, the customer
# page and template tags.
FACING_NAMES = {"views.py", "forms.py", "api.py", "customer.py"}
FACING_PACKAGES = {"views", "customer", "templatetags"}
# What only selectors may not do: write rows.
WRITING_METHODS = {
    "save", "create", "bulk_create", "bulk_update", "update", "delete", "get_or_create", "update_or_create",
}  # fmt: skip


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imported_names(path: Path, module: str) -> set[str]:
    return {
        alias.name
        for node in ast.walk(parsed(path))
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def facing_files() -> list[Path]:
    return [
        p
        for p in python_files(PACKAGE)
        if p.name in FACING_NAMES or FACING_PACKAGES & set(p.relative_to(PACKAGE).parts[:-1])
    ]


def selector_files() -> list[Path]:
    return [
        p
        for p in python_files(PACKAGE)
        if p.name == "selectors.py" or "selectors" in p.relative_to(PACKAGE).parts[:-1]
    ]


def test_it_finds_the_modules_it_checks():
    names = {p.relative_to(PACKAGE).as_posix() for p in facing_files()}
    assert "portal_ui/jobs/views.py".removeprefix("portal_ui/") in names
    assert any(n.startswith("dispatch/views") for n in names)
    assert "portal_links/api.py" in names
    assert any(n.startswith("portal_links/customer") for n in names)
    assert selector_files()


def test_it_keeps_django_out_of_the_techlink_client():
    for path in python_files(CLIENT):
        django_imports = {m for m in imported_modules(path) if m.split(".")[0] in {"django", "portal_ui"}}
        assert not django_imports - {
            m for m in django_imports if m.startswith("portal_ui.integrations.techlink")
        }, path


@pytest.mark.parametrize("library", ["requests", "urllib3", "httpx"])
def test_it_keeps_http_libraries_out_of_views_forms_and_the_api(library):
    for path in facing_files():
        assert library not in {m.split(".")[0] for m in imported_modules(path)}, path


def test_it_lets_views_forms_and_the_api_see_techlink_only_through_the_core_boundary():
    for path in facing_files():
        modules = imported_modules(path)
        assert not {m for m in modules if m.startswith("portal_ui.integrations")}, (
            f"{path} imports the client"
        )
        outside = imported_names(path, "portal_ui.core.upstream") - BOUNDARY
        assert not outside, f"{path} takes {outside} from the boundary; only {sorted(BOUNDARY)} are for it"


def test_it_keeps_request_objects_out_of_services():
    for path in python_files(PACKAGE):
        if "services" not in path.stem and "services" not in path.parts:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                params = [a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs]
                assert "request" not in params, f"{path}:{node.lineno} {node.name} takes a request"


def test_it_makes_public_service_functions_keyword_only():
    offenders = []
    for path in python_files(PACKAGE):
        if path.name != "services.py" and "services" not in path.relative_to(PACKAGE).parts[:-1]:
            continue
        for node in parsed(path).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.args.args:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not offenders, offenders


def test_it_keeps_selectors_from_writing():
    offenders = []
    for path in selector_files():
        for node in ast.walk(parsed(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITING_METHODS
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.func.attr}()")
        services = {m for m in imported_modules(path) if m.endswith(".services") or ".services." in m}
        offenders += [f"{path.relative_to(PACKAGE)} imports {m}" for m in services]
    assert not offenders, offenders


def dispatch_url_names() -> set[str]:
    names = set()
    for node in ast.walk(parsed(PACKAGE / "dispatch" / "urls.py")):
        if isinstance(node, ast.keyword) and node.arg == "name" and isinstance(node.value, ast.Constant):
            names.add(node.value.value)
    return names


URL_CALLS = {"reverse", "reverse_lazy", "redirect", "resolve_url"}


def test_it_keeps_jobs_from_knowing_dispatch():
    names = dispatch_url_names()
    assert "workorder_detail" in names
    for path in python_files(PACKAGE / "jobs"):
        assert not {m for m in imported_modules(path) if m.startswith("portal_ui.dispatch")}, path
        for node in ast.walk(parsed(path)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in URL_CALLS
            ):
                named = {a.value for a in node.args if isinstance(a, ast.Constant)}
                assert not named & names, f"{path}:{node.lineno} goes to dispatch's page {named & names}"
    for template in (PACKAGE.parent / "templates" / "jobs").rglob("*.html"):
        used = set(re.findall(r"{%\s*url\s+['\"]([\w-]+)['\"]", template.read_text()))
        assert not used & names, f"{template} links to dispatch's pages {used & names}"


def wildcard_handling(path: Path) -> list[str]:
    """Places that read a search pattern themselves: comparing a character with ``*`` or ``\\``, or
    replacing or splitting on ``*`` (an escape or a matcher of their own)."""
    found = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value in ("*", "\\") for o in operands):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} compares with a wildcard character")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"replace", "split", "startswith", "endswith", "count"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "*"
        ):
            found.append(
                f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.func.attr}({node.args[0].value!r})"
            )
        if (isinstance(node, ast.Name) and node.id == "fnmatch") or (
            isinstance(node, ast.alias) and node.name == "fnmatch"
        ):
            found.append(f"{path.relative_to(PACKAGE)} uses fnmatch")
    return found


def test_it_reads_techlink_wildcards_in_one_place():
    assert wildcard_handling(WILDCARDS), "the check no longer recognises the one matcher"
    offenders = [
        place for path in python_files(PACKAGE) if path != WILDCARDS for place in wildcard_handling(path)
    ]
    assert not offenders, offenders
