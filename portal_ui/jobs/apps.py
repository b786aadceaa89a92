from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "portal_ui.jobs"
    label = "jobs"

    def ready(self) -> None:
        from portal_ui.core.generations import generation_moved_by
        from portal_ui.jobs.models import UpstreamWrite

        # The outbox banner's counts (context_processors.py) are kept until a write changes; writes changed
        # with ``QuerySet.update`` move the generation where they are changed.
        generation_moved_by("outbox", [UpstreamWrite])
