"""Developer machine: `make run`. Everything embedded, nothing but Python needed."""

from .base import *
from .base import STORAGES, env

# The pages staff see, not debug pages; set DJANGO_DEBUG=true to see those.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-change-me-0123456789abcdef")
# Static files straight from the source folders (no collectstatic for development).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
