"""One place that writes the figures of `make bench`: bench-results/<name>.json.

Several parts of the benchmark fill the same file (workflow.json: the services' ratios, the documents' speed, the
figures at scale); each records its own keys and keeps the others' from the same or an earlier run.
"""

import json
from pathlib import Path

from django.conf import settings

DIRECTORY = Path(settings.BASE_DIR) / "bench-results"


def record(name: str, figures: dict) -> Path:
    """Merge `figures` into bench-results/<name>.json: keys already there and not in `figures` are kept, and so are
    the keys of a group (a dict, such as `queries`, which several parts fill) that `figures` does not give again."""
    path = DIRECTORY / f"{name}.json"
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    for key, value in figures.items():
        kept = current.get(key)
        current[key] = {**kept, **value} if isinstance(kept, dict) and isinstance(value, dict) else value
    path.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return path
