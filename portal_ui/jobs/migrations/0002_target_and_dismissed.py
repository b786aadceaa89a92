from django.db import migrations, models


def fill_targets(apps, schema_editor):
    UpstreamWrite = apps.get_model("jobs", "UpstreamWrite")
    from portal_ui.jobs.models import write_target

    for write in UpstreamWrite.objects.all().only("pk", "kind", "payload").iterator():
        UpstreamWrite.objects.filter(pk=write.pk).update(target=write_target(write.kind, write.payload or {}))


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="upstreamwrite",
            name="target",
            field=models.CharField(blank=True, db_index=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="upstreamwrite",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("dismissed", "Dismissed"),
                ],
                db_index=True,
                default="queued",
                max_length=10,
            ),
        ),
        migrations.RunPython(fill_targets, migrations.RunPython.noop),
    ]
