"""Templates kept in a programme's own package.

A programme is one package listed in settings.SUBSIDY_PROGRAMMES, not a Django app, so the app directories loader
does not see its `templates/` folder; this loader does. A programme names its templates after itself
("loan/loan_list.html" lives in workflows/programmes/loan/templates/loan/), so two programmes never clash.

It also answers viewflow's per-flow names of the process and task panels ("<app_label>/<flow_label>/process_data.html",
".../task_data.html", tried before viewflow's own) with the project's panels in workflows/templates/workflows/flow/,
for every registered flow: viewflow's stock panels list every field of the process's artifact and the task's data,
where a case's personal numbers could appear in clear (docs/access-matrix.md).
"""

from importlib.util import find_spec
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import Origin
from django.template.loaders.filesystem import Loader as FilesystemLoader

FLOW_PANELS = ("process_data.html", "task_data.html")
PANEL_DIR = Path(__file__).resolve().parent.parent / "templates" / "workflows" / "flow"


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

    def get_template_sources(self, template_name):
        yield from super().get_template_sources(template_name)
        folder, _, panel = template_name.rpartition("/")
        if panel in FLOW_PANELS and folder in _flow_folders():
            yield Origin(name=str(PANEL_DIR / panel), template_name=template_name, loader=self)


def _flow_folders() -> set[str]:
    from workflows.engine.registry import registry

    return {f"{p.flow.instance.app_label}/{p.flow.instance.flow_label}" for p in registry.all()}
