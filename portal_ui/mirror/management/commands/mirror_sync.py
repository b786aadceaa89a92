"""Run one read-model sync now, in this process: ``manage.py mirror_sync [--full]``."""

from django.core.management.base import BaseCommand, CommandError

from portal_ui.mirror import services


class Command(BaseCommand):
    help = "Sync the local read model from TechLink once (new records and open work orders, or everything)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full", action="store_true", help="refresh every record and remove deleted ones"
        )

    def handle(self, *args, full: bool = False, **options):
        report = services.mirror_sync_full() if full else services.mirror_sync_open()
        if report.skipped:
            raise CommandError("Another sync is running; try again when it has finished.")
        self.stdout.write(str(report))
        for failure in report.failures[:10]:
            self.stderr.write(failure)
        if report.failures and not (report.workorders_upserted or report.sites_upserted):
            raise CommandError("Sync failed: " + report.failures[0])
