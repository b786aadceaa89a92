"""Links made before items were chosen one by one: their photos section keeps showing every photo, their notes
section shows the notes staff mark visible to the customer; documents and close-out documents show nothing
until staff choose them."""

from django.db import migrations


def choose_for_existing_links(apps, schema_editor):
    PortalLink = apps.get_model("portal_links", "PortalLink")
    for link in PortalLink.objects.filter(shared_items={}).only("pk", "permissions"):
        permissions = link.permissions or {}
        link.shared_items = {
            "notes": [],
            "customer_visible_notes": bool(permissions.get("view_notes")),
            "client_documents": [],
            "closeout_documents": [],
            "photos": [],
            "all_photos": bool(permissions.get("view_photos")),
        }
        link.save(update_fields=["shared_items"])


class Migration(migrations.Migration):
    dependencies = [("portal_links", "0003_shared_items_snapshot_gates")]

    operations = [migrations.RunPython(choose_for_existing_links, migrations.RunPython.noop)]
