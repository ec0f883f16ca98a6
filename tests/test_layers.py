"""The import layers of DESIGN.md's Architecture, checked on the source (a small AST test).

1. the pure cores (matching/engine/, netwerk/measures.py) import neither Django nor the project;
2. the base records (accounts, people, duos) import no feature (matching, netwerk, funding, web,
   demo, notifications);
3. nothing but the settings and the URLs imports `notifications` (the others tell it what happened
   through buddynet/events.py);
4. retention, export and erasure (buddynet/security/retention.py) reach no feature's tables, by
   import or by `apps.get_model`: each app registers its own part (buddynet/privacy.py).

Every `import` and `from ... import` counts, at the top of a module or inside a function, and
under `if TYPE_CHECKING` too. The settings name apps as strings, which are not imports; but a
base record's model field that points at a feature's model by its label ("funding.Funder") is a
dependency all the same, and counts (outside migrations, which are history).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("buddynet", "matching", "netwerk", "notifications")

PURE_CORES = ("matching/engine/", "netwerk/measures.py")
# What a pure core may import of the project: the core itself.
CORE_OWN = ("matching.engine",)
FRAMEWORK_AND_PROJECT = ("django", "rest_framework", "celery", *PACKAGES)

# The folders show the layers (README, Architecture): every app under buddynet/records/ is a base
# record; every app under buddynet/features/, and the top-level matching, netwerk, notifications,
# is a feature, as are the channels and the demo built on top of them.
BASE_RECORDS = ("buddynet/records/",)
FEATURE_APPS = tuple(sorted(p.name for p in (ROOT / "buddynet" / "features").iterdir() if (p / "apps.py").exists()))
FEATURES = ("matching", "netwerk", "notifications", "buddynet.features", "buddynet.web", "buddynet.demo")
FEATURE_LABELS = ("matching", "netwerk", "notifications", "web", "demo", *FEATURE_APPS)
RELATION_FIELDS = ("ForeignKey", "OneToOneField", "ManyToManyField")

CROSS_CUTTING = ("buddynet/security/retention.py",)

NOTIFICATIONS_MAY_BE_IMPORTED_BY = ("buddynet/settings.py", "buddynet/urls.py", "notifications/")


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def imported_modules(source: str, *, module: str) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every module this source imports; `module` is the source's own
    dotted name, to resolve relative imports. `from a import b` yields a.b as well as a, since b
    may be a module (`from buddynet import demo`)."""
    package = module.rsplit(".", 1)[0]  # of a.b.c and of a.b.__init__ alike: a.b
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def related_model_labels(source: str) -> Iterator[tuple[int, str]]:
    """(line, "app.Model") of every relation field that names its model by a string label."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) not in RELATION_FIELDS:
            continue
        for arg in [*node.args[:1], *(k.value for k in node.keywords if k.arg == "to")]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value:
                yield node.lineno, arg.value


def violations(path: str, source: str) -> list[str]:
    """The layer rules this file (its path relative to the repository root) breaks."""
    module = path.removesuffix(".py").replace("/", ".")
    found = []
    for line, name in imported_modules(source, module=module):
        where = f"{path}:{line} imports {name}"
        if path.startswith(PURE_CORES) and _within(name, FRAMEWORK_AND_PROJECT) and not _within(name, CORE_OWN):
            found.append(f"{where}: a pure core imports neither Django nor the project")
        if path.startswith(BASE_RECORDS) and _within(name, FEATURES):
            found.append(f"{where}: a base record imports no feature")
        if _within(name, ("notifications",)) and not path.startswith(NOTIFICATIONS_MAY_BE_IMPORTED_BY):
            found.append(f"{where}: only the settings and the URLs import notifications")
        if path in CROSS_CUTTING and _within(name, FEATURES):
            found.append(f"{where}: retention calls the apps' registered handlers instead")
    if path in CROSS_CUTTING and "get_model" in source:
        found.append(f"{path}: retention looks up no other app's model (apps.get_model)")
    if path.startswith(BASE_RECORDS) and "/migrations/" not in path:
        for line, label in related_model_labels(source):
            if label.split(".")[0] in FEATURE_LABELS:
                found.append(f"{path}:{line} relates to {label}: a base record points at no feature's model")
    return sorted(set(found))


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_project_keeps_its_import_layers() -> None:
    files = project_files()
    assert len(files) > 100, "the test must see the project's modules"
    found = [v for f in files for v in violations(f.relative_to(ROOT).as_posix(), f.read_text())]
    assert found == []


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("matching/engine/score.py", "from django.db import models\n"),
        ("matching/engine/score.py", "import buddynet.vocabulary\n"),
        ("netwerk/measures.py", "def f():\n    from netwerk.models import Alter\n"),
        ("buddynet/records/people/selectors.py", "from buddynet.features.funding.models import Grant\n"),
        ("buddynet/records/duos/services.py", "from netwerk import services\n"),
        ("buddynet/records/accounts/models.py", "from buddynet import demo\n"),
        (
            "buddynet/records/people/apis.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import matching.models\n",
        ),
        ("buddynet/records/duos/services.py", "from notifications.models import Notification\n"),
        ("matching/services.py", "from notifications import handlers\n"),
        ("buddynet/records/people/apis.py", "from ...features.funding import models\n"),
        (
            "buddynet/records/accounts/models.py",
            "funder = models.ForeignKey('funding.Funder', on_delete=models.CASCADE)\n",
        ),
        (
            "buddynet/records/duos/models.py",
            "m = models.OneToOneField(to='netwerk.NetworkMap', on_delete=models.CASCADE)\n",
        ),
        ("buddynet/security/retention.py", "def f():\n    from netwerk.models import Alter\n"),
        ("buddynet/security/retention.py", "from django.apps import apps\nm = apps.get_model('matching.Proposal')\n"),
    ],
)
def test_it_reports_an_import_across_the_layers(path: str, source: str) -> None:
    assert violations(path, source)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("matching/engine/score.py", "import numpy as np\nfrom matching.engine.arrays import Pool\n"),
        ("netwerk/measures.py", "import networkx as nx\n"),
        ("buddynet/records/people/models.py", "from buddynet.crypto import EncryptedTextField\n"),
        (
            "buddynet/records/duos/services.py",
            "from buddynet import events\nfrom buddynet.records.people.models import Project\n",
        ),
        ("netwerk/services.py", "from buddynet.records.duos.models import CheckIn\nfrom matching import selectors\n"),
        ("buddynet/urls.py", "from notifications import urls\n"),
        ("notifications/rules.py", "from notifications.models import Notification\n"),
        (
            "buddynet/records/accounts/models.py",
            "funder = models.ForeignKey('people.Funder', on_delete=models.CASCADE)\n",
        ),
        ("buddynet/records/accounts/migrations/0001_initial.py", "f = models.ForeignKey('funding.funder')\n"),
    ],
)
def test_it_allows_imports_that_point_down(path: str, source: str) -> None:
    assert violations(path, source) == []


def test_every_app_with_personal_data_in_its_tables_registers_its_part_in_export_and_erasure() -> None:
    from buddynet import privacy
    from buddynet.features.funding.privacy import HANDLERS as FUNDING
    from matching.privacy import HANDLERS as MATCHING
    from netwerk.privacy import HANDLERS as NETWERK
    from notifications.privacy import HANDLERS as NOTIFICATIONS

    registered = privacy.handlers()
    for handlers in (NETWERK, MATCHING, NOTIFICATIONS, FUNDING):
        assert handlers in registered


PLATFORM_APPS = ("buddynet.web", "buddynet.demo", "buddynet.security", "buddynet.operations", "buddynet.deployment")


def test_every_project_app_sits_in_the_folder_of_its_layer() -> None:
    """`ls buddynet` tells the layers apart: records/ holds the base records, features/ the feature
    apps (beside the top-level matching, netwerk and notifications); what else buddynet/ holds is the
    platform every layer stands on (security, operations, deployment) and what sits on top of all
    (the web channel, the demo). A new app must choose one of these places."""
    from django.conf import settings

    misplaced = [
        app
        for app in settings.INSTALLED_APPS
        if app.startswith("buddynet.")
        and not app.startswith(("buddynet.records.", "buddynet.features."))
        and app not in PLATFORM_APPS
    ]
    assert misplaced == []
    records = sorted(p.name for p in (ROOT / "buddynet" / "records").iterdir() if (p / "apps.py").exists())
    assert records == ["accounts", "duos", "people"]
