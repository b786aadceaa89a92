"""Properties of the client package itself."""

import ast
import copy
import pickle
from pathlib import Path

from portal_ui.integrations import techlink
from portal_ui.integrations.techlink import errors

PACKAGE_DIR = Path(techlink.__file__).parent


def test_it_never_imports_django():
    imported = set()
    for source in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
    assert not {name for name in imported if name.split(".")[0] in {"django", "portal_ui"}}


def test_it_shows_only_the_upstream_message_as_text():
    error = errors.TechLinkValidationError(
        "Invalid ZIP code", code=400, http_status=400, method="POST", path="site"
    )
    assert str(error) == "Invalid ZIP code"
    assert "POST" in repr(error) and "site" in repr(error)


def test_it_keeps_error_details_when_pickled_or_copied():
    error = errors.TechLinkTimeout(
        "TechLink did not answer in time", method="POST", path="workorder/5/note", maybe_applied=True
    )
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(clone) is errors.TechLinkTimeout
        assert (clone.message, clone.method, clone.path) == (error.message, "POST", "workorder/5/note")
        assert clone.maybe_applied is True and clone.transient is True


def test_it_exposes_the_documented_error_hierarchy():
    assert issubclass(errors.TechLinkTimeout, errors.TechLinkConnectionError)
    for cls in (
        errors.TechLinkConnectionError,
        errors.TechLinkAuthError,
        errors.TechLinkNotFound,
        errors.TechLinkValidationError,
        errors.TechLinkServerError,
    ):
        assert issubclass(cls, errors.TechLinkError)
