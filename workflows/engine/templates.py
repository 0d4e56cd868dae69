"""Templates kept in a programme's own package.

A programme is one package listed in settings.SUBSIDY_PROGRAMMES, not a Django app, so the app directories loader
does not see its `templates/` folder; this loader does. A programme names its templates after itself
("loan/loan_list.html" lives in workflows/programmes/loan/templates/loan/), so two programmes never clash.
"""

from importlib.util import find_spec
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loaders.filesystem import Loader as FilesystemLoader


def programme_template_dirs(packages: list[str]) -> list[Path]:
    """The existing `templates` folder of each package, in the order given."""
    dirs = []
    for package in packages:
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ImproperlyConfigured(f"Programme {package} is not an importable package.")
        for location in spec.submodule_search_locations:
            folder = Path(location) / "templates"
            if folder.is_dir():
                dirs.append(folder)
    return dirs


class ProgrammeLoader(FilesystemLoader):
    """Finds templates in the `templates` folder of every package in settings.SUBSIDY_PROGRAMMES."""

    def get_dirs(self):
        return programme_template_dirs(settings.SUBSIDY_PROGRAMMES)
