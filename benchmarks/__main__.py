import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    # Its own database: rendering reads none, the roster check migrates it; never the project's file or a shared server
    # (the workflow part creates and drops a PostgreSQL database of its own: benchmarks.workflow).
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from benchmarks import documents, rosters, si_annex, uploads, workflow

    # the workflow part runs in a child process on a PostgreSQL database of its own (or says why it cannot)
    return max(documents.main(), uploads.main(), rosters.main(), si_annex.main(), workflow.run())


if __name__ == "__main__":
    sys.exit(main())
