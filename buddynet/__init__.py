import sys
from pathlib import Path

# The PyPI package "matching" (Gale-Shapley, a dev-only reference for benchmarks/matching.py)
# has the same top-level name as our matching app, and site-packages is searched before the
# editable install's finder. Put this checkout first, so `import matching` is the app whatever
# the working directory of gunicorn or a Celery worker.
_ROOT = str(Path(__file__).resolve().parent.parent)
if (Path(_ROOT) / "matching" / "apps.py").exists() and sys.path[:1] != [_ROOT]:
    sys.path.insert(0, _ROOT)

from buddynet.celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
