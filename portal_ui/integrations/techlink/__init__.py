"""Client for the upstream TechLink "API light" (no Django dependency).

from portal_ui.integrations.techlink import TechLinkClient, errors, types, wildcards
"""

from . import errors, types, wildcards
from .client import TechLinkClient

__all__ = ["TechLinkClient", "errors", "types", "wildcards"]
