from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "portal_ui.jobs"
    label = "jobs"
