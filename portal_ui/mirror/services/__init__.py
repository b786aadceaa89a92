"""Keep the read model in step with TechLink: single records, the reference lists and the sync cycles
(see ``sync.py``). Every service is idempotent and safe to repeat."""

from .records import (
    mirror_reference_store,
    mirror_site_refresh,
    mirror_site_store,
    mirror_sync_request,
    mirror_workorder_refresh,
    mirror_workorder_store,
)
from .sync import SyncReport, mirror_sync_full, mirror_sync_new, mirror_sync_open, mirror_sync_reference

__all__ = [
    "SyncReport",
    "mirror_reference_store",
    "mirror_site_refresh",
    "mirror_site_store",
    "mirror_sync_full",
    "mirror_sync_new",
    "mirror_sync_open",
    "mirror_sync_reference",
    "mirror_sync_request",
    "mirror_workorder_refresh",
    "mirror_workorder_store",
]
