"""Trigram indexes for find-anything's "contains" search, on PostgreSQL only.

Plain text in the search box means "contains" (``LIKE '%text%'``, upper/lower case alike), which no ordinary
index serves: on PostgreSQL a ``pg_trgm`` GIN index over each searched field, as Django compares it
(``UPPER(field::text)``), does. SQLite has no such index and scans (the read model is small there). When the
extension cannot be created (no privilege), the indexes are left out and the search still works, by a scan.
"""

from django.db import migrations, transaction

# Table -> the searched fields (mirror.selectors.find: WORKORDER_FIELDS, SITE_FIELDS).
SEARCHED = {
    "mirror_workorderrecord": ("summary", "po", "client_reference", "description"),
    "mirror_siterecord": ("name", "siteid", "street", "city", "zip"),
}


def _name(table: str, field: str) -> str:
    return f"{table.removeprefix('mirror_').removesuffix('record')}_{field}_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - no privilege to create it: the search scans, as before
            return
        q = connection.ops.quote_name
        for table, fields in SEARCHED.items():
            for field in fields:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {q(_name(table, field))} ON {q(table)}"
                    f" USING gin ((UPPER({q(field)}::text)) gin_trgm_ops)"
                )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table, fields in SEARCHED.items():
            for field in fields:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(_name(table, field))}")


class Migration(migrations.Migration):
    dependencies = [
        ("mirror", "0006_board_map_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
