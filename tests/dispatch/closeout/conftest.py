"""Fixtures of the close-out review tests: a work order of its own with a close-out (``closeout_case``)."""

from tests.dispatch.closeout_fixtures import closeout_case

__all__ = ["closeout_case"]
