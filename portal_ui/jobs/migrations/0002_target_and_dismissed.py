from django.db import migrations, models


def fill_targets(apps, schema_editor):
    UpstreamWrite = apps.get_model("jobs", "UpstreamWrite")
    from portal_ui.jobs.kinds import KINDS

    for write in UpstreamWrite.objects.all().only("pk", "kind", "payload").iterator():
        kind = KINDS.get(write.kind)
        target = kind.target(write.payload or {}) if kind is not None else ""
        UpstreamWrite.objects.filter(pk=write.pk).update(target=target)


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
