#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the operator's and developer's tool: without DJANGO_DEBUG set it runs with the embedded
    # defaults. The served application (config.wsgi) and workers (config.celery) default to production settings.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
