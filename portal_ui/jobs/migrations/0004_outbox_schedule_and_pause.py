from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_upstreamwrite_kind_choices")]

    operations = [
        migrations.AddField(
            model_name="upstreamwrite",
            name="give_up_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="OutboxState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("paused_until", models.DateTimeField(blank=True, null=True)),
                ("probe_until", models.DateTimeField(blank=True, null=True)),
                ("probe_failures", models.PositiveIntegerField(default=0)),
                ("failures_in_row", models.PositiveIntegerField(default=0)),
                ("since", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.TextField(blank=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
