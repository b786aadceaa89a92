
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal_links', '0002_gate_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessRefusal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('link_ref', models.CharField(max_length=32)),
                ('day', models.DateField()),
                ('outcome', models.CharField(choices=[('ok', 'OK'), ('denied', 'Denied'), ('not_found', 'Unknown link'), ('inactive', 'Deactivated'), ('expired', 'Expired'), ('exhausted', 'View limit reached'), ('bad_passcode', 'Wrong passcode'), ('locked', 'Locked out'), ('code_sent', 'One-time code sent'), ('bad_code', 'Wrong one-time code'), ('rate_limited', 'Rate limited'), ('unavailable', 'Upstream unavailable')], max_length=16)),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ('-day', 'outcome'),
            },
        ),
        migrations.CreateModel(
            name='CustomerSubmission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('link_ref', models.CharField(db_index=True, max_length=32)),
                ('link_type', models.CharField(choices=[('public', 'Public (the link alone)'), ('private', 'Private (e-mailed one-time code)'), ('secure', 'Secure (passcode)')], max_length=16)),
                ('workorder_id', models.BigIntegerField(db_index=True)),
                ('kind', models.CharField(choices=[('comment', 'Comment'), ('upload', 'Upload')], max_length=16)),
                ('text', models.TextField(help_text="The comment as typed, or the file's name.")),
                ('sent_text', models.TextField(blank=True, default='')),
                ('sender_email', models.CharField(blank=True, default='', max_length=254)),
                ('sender_label', models.CharField(max_length=200)),
                ('write_id', models.BigIntegerField(blank=True, null=True)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ('-created_at', '-id'),
            },
        ),
        migrations.CreateModel(
            name='GateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(help_text='passcode or code_send', max_length=16)),
                ('key', models.CharField(max_length=64)),
                ('count', models.PositiveIntegerField(default=0)),
                ('window_started_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name='NoteShare',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('workorder_id', models.BigIntegerField(db_index=True)),
                ('note_id', models.BigIntegerField(blank=True, null=True)),
                ('write_id', models.BigIntegerField(blank=True, null=True)),
                ('note_text', models.TextField(blank=True, default='')),
                ('author_name', models.CharField(blank=True, default='', max_length=150)),
                ('visible', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name='WorkOrderSnapshot',
            fields=[
                ('workorder_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('found', models.BooleanField(default=True)),
                ('data', models.JSONField(default=dict)),
                ('fetched_at', models.DateTimeField()),
                ('refresh_requested_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='accesslog',
            name='parent',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='downloads', to='portal_links.accesslog'),
        ),
        migrations.AddField(
            model_name='portallink',
            name='label',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='portallink',
            name='shared_items',
            field=models.JSONField(default=dict),
        ),
        migrations.AddConstraint(
            model_name='accesslog',
            constraint=models.UniqueConstraint(condition=models.Q(('parent__isnull', False)), fields=('parent', 'what'), name='portal_access_download_once'),
        ),
        migrations.AddConstraint(
            model_name='accessrefusal',
            constraint=models.UniqueConstraint(fields=('link_ref', 'day', 'outcome'), name='portal_refusal_unique'),
        ),
        migrations.AddField(
            model_name='customersubmission',
            name='link',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='portal_links.portallink'),
        ),
        migrations.AddField(
            model_name='gatecounter',
            name='link',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='portal_links.portallink'),
        ),
        migrations.AddField(
            model_name='noteshare',
            name='set_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='gatecounter',
            constraint=models.UniqueConstraint(fields=('link', 'scope', 'key'), name='portal_gate_counter_unique'),
        ),
        migrations.AddConstraint(
            model_name='noteshare',
            constraint=models.UniqueConstraint(condition=models.Q(('note_id__isnull', False)), fields=('workorder_id', 'note_id'), name='portal_note_share_note'),
        ),
        migrations.AddConstraint(
            model_name='noteshare',
            constraint=models.UniqueConstraint(condition=models.Q(('write_id__isnull', False)), fields=('write_id',), name='portal_note_share_write'),
        ),
    ]
