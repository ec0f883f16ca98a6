"""Every write of a channel goes through a service (issue 15, "views only translate").

Two checks, both failing on a new write that bypasses the services:

1. Static: the channel modules — REST views and serializers (apis.py), HTML views (views.py, the
   coordinator and volunteer pages), forms (forms.py, *_forms.py) and admin modules (admin.py)
   — contain no model write: no `.save(`, `.delete(`, `.create(`, `.bulk_create(`,
   `.get_or_create(`, `.update_or_create(`, `.bulk_update(`, queryset `.update(`, and no raw SQL
   (`.execute(`). A write found there fails the test unless it is in ALLOWED, each entry with
   the reason it stays.
2. Admin: every ModelAdmin of the project whose model has a service (duos, people, funding,
   matching, netwerk) and that lets anyone add or change rows overrides save_model (and, with
   inlines that can change, save_formset), so the admin's default `obj.save()` never writes
   such a model. Read-only admins and back-office reference tables without rules are listed.
3. Deletes: such an admin that lets anyone delete overrides delete_model and delete_queryset
   (Django's defaults are `obj.delete()` and one queryset DELETE) with a call of the app's
   service, or it refuses the delete (ScopedAdmin without a `delete_service` does). The API's
   destroy is covered by check 1 (`.delete(` in apis.py), and a real admin delete is run below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("buddynet", "matching", "netwerk", "notifications")
ALWAYS_WRITES = {"save", "delete", "create", "bulk_create", "get_or_create", "update_or_create", "bulk_update",
                 "execute"}

# (path, line's call as the checker names it): why it stays. Keep it short; prefer a service.
ALLOWED: dict[tuple[str, str], str] = {}


def _channel_modules() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = path.name
            if (name in {"apis.py", "views.py", "admin.py", "forms.py", "volunteer.py"} or name.endswith("_forms.py")
                    or path.parent.name == "coordinator"):
                yield path


def _receiver(node: ast.AST) -> list[str]:
    """`a.b().c` → ["a", "b", "()", "c"]: the chain a call is made on."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return list(reversed(parts))
        else:
            parts.append("?")
            return list(reversed(parts))


def _writes(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        chain = _receiver(node.func.value)
        if chain[0] == "super":
            continue  # a form's or admin's call to the framework it extends (checked in part 2)
        # .update( is also dict.update (template contexts): a write only on a manager/queryset.
        if method in ALWAYS_WRITES or (method == "update" and ("objects" in chain or "()" in chain)):
            name = ".".join(p for p in chain if p != "()")
            yield node.lineno, f"{name}.{method}"


def test_the_checker_finds_a_write_it_must_refuse(tmp_path: Path) -> None:
    # The checker itself can fail: each kind of write in a sample view is found.
    sample = tmp_path / "views.py"
    sample.write_text(
        "def v(request, duo, form, context):\n"
        "    duo.save()\n"
        "    Goal.objects.create(duo=duo)\n"
        "    Duo.objects.filter(pk=1).update(status='x')\n"
        "    form.save()\n"
        "    context.update(a=1)\n"
        "    cursor.execute('DELETE FROM x')\n",
        encoding="utf-8",
    )
    assert sorted(call for _line, call in _writes(sample)) == sorted([
        "duo.save", "Goal.objects.create", "Duo.objects.filter.update", "form.save", "cursor.execute",
    ])


def test_views_serializers_forms_and_admin_write_only_through_services() -> None:
    found = []
    for path in _channel_modules():
        relative = path.relative_to(ROOT).as_posix()
        for line, call in _writes(path):
            if (relative, call) not in ALLOWED:
                found.append(f"{relative}:{line}: {call}")
    assert not found, "writes outside a service (call the app's service instead):\n" + "\n".join(found)


def test_the_allow_list_holds_only_writes_that_still_exist() -> None:
    # An entry whose write was moved into a service must leave the list (it stays short).
    present = {(path.relative_to(ROOT).as_posix(), call)
               for path in _channel_modules() for _line, call in _writes(path)}
    assert set(ALLOWED) <= present, set(ALLOWED) - present


# --- the admin ------------------------------------------------------------------------------
SERVICE_APPS = {"duos", "people", "funding", "matching", "netwerk"}
# Registered admins of those apps that write with the admin's default save, and why.
ADMIN_ALLOWED: dict[str, str] = {
    # Reference data an administrator keeps, with no rule beyond the model's own validation.
    "funding.AllowanceCap": "the legal caps, administrators only",
    # Funding's admin edits grants and their lines like its own pages' forms do; funding's
    # services (grant_save, expense_record, ...) are called by the pages and the API. Moving
    # the admin onto them is funding's next change.
    "funding.Grant": "funding admin, to move onto grant_save",
    "funding.Expense": "funding admin, to move onto expense_record",
    "funding.AllowancePayment": "funding admin, to move onto allowance_payment_record",
    "funding.DeclaredAllowance": "funding admin, to move onto declared_allowance_record",
}


def _writes_with_default_save(model_admin: ModelAdmin) -> list[str]:
    cls = type(model_admin)
    gaps = []
    if cls.save_model is ModelAdmin.save_model:
        gaps.append("save_model")
    if model_admin.inlines and cls.save_formset is ModelAdmin.save_formset:
        gaps.append("save_formset")
    return gaps


@pytest.mark.django_db
def test_admins_of_service_apps_write_through_the_services(rf: RequestFactory) -> None:
    from tests import factories as f

    request = rf.get("/admin/")
    request.user = f.UserFactory(is_superuser=True, is_staff=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in SERVICE_APPS or label in ADMIN_ALLOWED:
            continue
        may_write = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        gaps = _writes_with_default_save(model_admin)
        if may_write and gaps:
            found.append(f"{label} ({type(model_admin).__name__}): default {', '.join(gaps)}")
    assert not found, "admins that write without a service:\n" + "\n".join(found)


# --- deletes ----------------------------------------------------------------------------------
# Admins of service apps that delete with Django's default, and why. Keep it short.
DELETE_ALLOWED: dict[str, str] = {
    "funding.AllowanceCap": "the legal caps, administrators only, no rule beyond the model",
    "funding.Grant": "funding admin, to move onto a grant service (as its save)",
    "funding.AllowancePayment": "funding admin, to move onto an allowance payment service",
    "funding.DeclaredAllowance": "funding admin, to move onto a declared allowance service",
}


def _deletes_with_default(model_admin: ModelAdmin) -> list[str]:
    cls = type(model_admin)
    return [name for name in ("delete_model", "delete_queryset")
            if getattr(cls, name) is getattr(ModelAdmin, name)]


@pytest.mark.django_db
def test_admins_of_service_apps_delete_through_the_services_or_not_at_all(rf: RequestFactory) -> None:
    from tests import factories as f

    request = rf.get("/admin/")
    request.user = f.UserFactory(is_superuser=True, is_staff=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in SERVICE_APPS or label in DELETE_ALLOWED:
            continue
        gaps = _deletes_with_default(model_admin)
        if model_admin.has_delete_permission(request) and gaps:
            found.append(f"{label} ({type(model_admin).__name__}): default {', '.join(gaps)}")
    assert not found, "admins that delete without a service:\n" + "\n".join(found)


@pytest.mark.django_db
def test_an_admin_delete_runs_the_service_and_its_refusal_holds(world: Any) -> None:
    from django.test import Client

    from buddynet.records.duos.models import CheckIn
    from buddynet.records.people.models import Participant, Project
    from tests import factories as f

    client = Client()
    client.force_login(world.admin)
    # The delete action on a participant without a duo: through participant_delete.
    spare = f.ParticipantFactory(project=world.project, first_name="Foutief")
    response = client.post("/admin/people/participant/", {"action": "delete_selected", "post": "yes",
                                                          "_selected_action": [spare.pk]})
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=spare.pk).exists()
    # A project that participants refer to stays (the service's refusal; the admin shows why).
    response = client.post(f"/admin/people/project/{world.project.pk}/delete/", {"post": "yes"})
    assert Project.objects.filter(pk=world.project.pk).exists()
    # Without a delete service the admin offers no delete at all (here: check-ins).
    check_in = world.check_in
    assert client.post(f"/admin/duos/checkin/{check_in.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CheckIn.objects.filter(pk=check_in.pk).exists()
