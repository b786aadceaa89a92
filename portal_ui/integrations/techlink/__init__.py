"""Client for the upstream TechLink "API light" (no Django dependency).

from portal_ui.integrations.techlink import TechLinkClient, errors, fields, types, wildcards
"""

from . import errors, fields, types, wildcards
from .client import TechLinkClient
from .limits import request_limits

__all__ = ["TechLinkClient", "errors", "fields", "request_limits", "types", "wildcards"]
