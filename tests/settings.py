"""The project's settings plus one throw-away programme, declared the way an installation declares its own: the
package is listed in SUBSIDY_PROGRAMMES (and, since viewflow stores a flow by its app-relative path, installed as
an app). Nothing else in the project knows it."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, SUBSIDY_PROGRAMMES

PILOT_PROGRAMME = "tests.workflows.programmes.pilot"
INSTALLED_APPS = [*INSTALLED_APPS, PILOT_PROGRAMME]
SUBSIDY_PROGRAMMES = [*SUBSIDY_PROGRAMMES, PILOT_PROGRAMME]
