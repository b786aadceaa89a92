"""TechLink sandbox: a local simulator of the upstream TechLink "API light".

    python -m techlink_sandbox seed --data-dir var/sandbox --if-empty
    python -m techlink_sandbox serve --data-dir var/sandbox --port 8001

In tests: ``techlink_sandbox.testing.running_sandbox`` or the ``sandbox`` fixture of
``techlink_sandbox.pytest_plugin``.  No Django here: the sandbox runs beside the dashboard, not inside it.
"""

from .app import SandboxApp, create_app
from .knobs import Knobs
from .store import STATUSES, ApiError, Store, md5_hex

__all__ = ["STATUSES", "ApiError", "Knobs", "SandboxApp", "Store", "create_app", "md5_hex"]
