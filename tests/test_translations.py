"""Nothing a Dutch-speaking user sees is left in English (issue 17).

Every message of the project — each `{% translate %}` / `{% blocktranslate %}` of every template
(pages, e-mails, PDF) and each gettext call of every Python module — must have a Dutch
translation in the catalogues Django loads for "nl" (the project's .po files, and Django's and
third-party apps' own). The templates are parsed by Django itself, so a blocktranslate's msgid is
exactly the one gettext will look up. And no .po file of the project may hold an empty or fuzzy
translation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = [ROOT / "buddynet", ROOT / "matching", ROOT / "netwerk", ROOT / "notifications"]
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
           "npgettext", "npgettext_lazy", "_lazy"}
# Words that are the same in Dutch (brand and product names, units).
SAME_IN_DUTCH = {"buddynet", "Matching", "km", "OK", "E-mail", "Duo"}


def _files(suffix: str) -> Iterator[Path]:
    for folder in CODE_DIRS:
        for path in folder.rglob(f"*{suffix}"):
            if "migrations" not in path.parts and "static" not in path.parts:
                yield path


def po_files() -> list[Path]:
    return sorted(_files(".po"))


def template_messages() -> Iterator[tuple[str, str | None, str]]:
    """(msgid, context, where) of every translate/blocktranslate tag of the project's templates."""
    engine = engines["django"].engine
    for path in _files(".html"):
        if "templates" not in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        template = engine.from_string(source)
        where = str(path.relative_to(ROOT))
        for node in template.nodelist.get_nodes_by_type(TranslateNode):
            var = node.filter_expression.var
            literal = getattr(var, "literal", None)
            if isinstance(literal, str):
                context = node.message_context.resolve({}) if node.message_context else None
                yield literal, context, where
        for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
            singular, _vars = node.render_token_list(node.singular)
            context = node.message_context.resolve({}) if node.message_context else None
            if node.plural and node.countervar:
                plural, _vars = node.render_token_list(node.plural)
                yield f"{singular}\x00{plural}", context, where
            else:
                yield singular, context, where


def python_messages() -> Iterator[tuple[str, str | None, str]]:
    for path in _files(".py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else None)
            if name not in GETTEXT:
                continue
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            if name.startswith("np"):
                if len(args) >= 3 and None not in args[:3]:
                    yield f"{args[1]}\x00{args[2]}", args[0], f"{where}:{node.lineno}"
            elif name.startswith("p"):
                if len(args) >= 2 and None not in args[:2]:
                    yield args[1], args[0], f"{where}:{node.lineno}"  # type: ignore[misc]
            elif name.startswith("n"):
                if len(args) >= 2 and None not in args[:2]:
                    yield f"{args[0]}\x00{args[1]}", None, f"{where}:{node.lineno}"
            elif args and args[0] is not None:
                yield args[0], None, f"{where}:{node.lineno}"


def _translated(msgid: str, context: str | None) -> bool:
    catalog = trans_real.translation("nl")._catalog  # Django's merged catalogue for "nl"
    key = f"{context}\x04{msgid}" if context else msgid
    if "\x00" in key:
        singular = key.split("\x00")[0]
        return bool(catalog.get((singular, 0)) and catalog.get((singular, 1)))
    return bool(catalog.get(key))


@pytest.mark.parametrize("path", po_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_of_the_projects_catalogues_is_translated_and_not_fuzzy(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    assert problems == [], f"untranslated or fuzzy in {path.name}: {problems}"


def _untranslated(messages: Iterator[tuple[str, str | None, str]]) -> list[str]:
    with translation.override("nl"):
        return sorted({f"{where}: {msgid!r}" + (f" (context {context!r})" if context else "")
                       for msgid, context, where in messages
                       if msgid.strip() and msgid not in SAME_IN_DUTCH and not _translated(msgid, context)})


def test_every_message_of_every_template_has_a_dutch_translation() -> None:
    missing = _untranslated(template_messages())
    assert missing == [], "\n".join(missing)


def test_every_message_of_the_python_code_has_a_dutch_translation() -> None:
    missing = _untranslated(python_messages())
    assert missing == [], "\n".join(missing)


def test_the_check_finds_an_untranslated_message() -> None:
    """The test above can fail: a msgid that no catalogue has is reported."""
    assert _untranslated(iter([("A sentence nobody translated", None, "here")])) == [
        "here: 'A sentence nobody translated'"]
    assert _untranslated(iter([("Open", "button: open the linked page", "inbox")])) == []


# Literal text a template may show untranslated: names, units, file formats, CSS classes, entities.
LITERAL_OK = {"buddynet", "amp", "nbsp", "min", "km", "PDF", "CSV", "XLSX", "GraphML", "English", "Nederlands",
              "EnglishNederlands", "coordinator", "volunteer", "JSON", "SVG"}


def test_no_template_shows_literal_text_outside_a_translate_tag() -> None:
    """Text between tags and in aria-label/title/placeholder/alt must come through gettext."""
    import re

    from django.template.base import TextNode

    engine = engines["django"].engine
    found = {}
    for path in _files(".html"):
        if "templates" not in path.parts:
            continue
        template = engine.from_string(path.read_text(encoding="utf-8"))
        text = "".join(node.s for node in template.nodelist.get_nodes_by_type(TextNode))
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        attributes = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"{]*)"', text)
        body = re.sub(r"<[^>]*>", " ", text)
        body = re.sub(r"<[^>]*$|^[^<]*>", " ", body)
        words = set(re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", " ".join([body, *attributes]))) - LITERAL_OK
        if words:
            found[str(path.relative_to(ROOT))] = sorted(words)
    assert found == {}


# --- the third-party admin sections (issue 17) -------------------------------------------------
# Of the admin apps that come from libraries, these hold security machinery (lockouts, second
# factors, schedules): platform administrators (superusers) only. A coordinator or an
# organisation administrator must not see them at all, so their English labels never reach one.
HIDDEN_FROM_OFFICE = {"axes", "otp_totp", "otp_static", "django_celery_beat"}


def _office_users() -> dict[str, object]:
    from tests.conftest import make_world

    world = make_world()
    return {"coordinator": world.coordinator, "administrator": world.admin}


@pytest.mark.django_db
def test_third_party_admin_sections_are_hidden_from_coordinators_and_organisation_administrators(
    settings: object,
) -> None:
    from django.contrib import admin
    from django.test import Client

    settings.BUDDYNET_TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    hidden_models = [model for model in admin.site._registry if model._meta.app_label in HIDDEN_FROM_OFFICE]
    assert {m._meta.app_label for m in hidden_models} == HIDDEN_FROM_OFFICE, "the list above is out of date"
    for role, user in _office_users().items():
        client = Client()
        client.force_login(user)
        index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="nl")
        assert index.status_code == 200
        shown = {app["app_label"] for app in index.context["app_list"]}
        assert shown & HIDDEN_FROM_OFFICE == set(), role
        for model in hidden_models:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code in (302, 403, 404), (role, url)


PROJECT_PACKAGES = ("buddynet", "matching", "netwerk", "notifications")


@pytest.mark.django_db
def test_every_third_party_admin_section_an_office_role_sees_is_in_dutch(settings: object) -> None:
    """Render the admin index and the changelist of every library's admin section a coordinator or
    an organisation administrator can open (today: the audit log), in nl, and check its app name,
    model names and column headings: each must come out in Dutch (or be a word Dutch shares)."""
    from django.contrib import admin
    from django.contrib.admin.utils import label_for_field
    from django.test import Client

    settings.BUDDYNET_TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    missing: set[str] = set()
    seen: set[str] = set()

    def check(where: str, label: object) -> None:
        with translation.override("en"):
            en = str(label)
        with translation.override("nl"):
            nl = str(label)
        if en == nl and en not in SAME_IN_DUTCH and not _translated(en, None):
            missing.add(f"{where}: {en!r}")

    for role, user in _office_users().items():
        client = Client()
        client.force_login(user)
        index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="nl")
        for app in index.context["app_list"]:
            for entry in app["models"]:
                model = entry["model"]
                if model.__module__.startswith(PROJECT_PACKAGES):
                    continue
                where = f"{role}: {app['app_label']}.{model.__name__}"
                seen.add(app["app_label"])
                check(where, model._meta.app_config.verbose_name)
                check(where, model._meta.verbose_name)
                check(where, model._meta.verbose_name_plural)
                changelist = client.get(entry["admin_url"], HTTP_ACCEPT_LANGUAGE="nl")
                assert changelist.status_code == 200, entry["admin_url"]
                model_admin = admin.site._registry[model]
                for name in changelist.context["cl"].list_display:
                    if name != "action_checkbox":
                        check(f"{where} column {name}", label_for_field(name, model, model_admin))
                for spec in changelist.context["cl"].filter_specs:
                    check(f"{where} filter", spec.title)
    assert "auditlog" in seen, "the organisation administrator reads the audit log in the admin"
    assert sorted(missing) == [], "\n".join(sorted(missing))


# --- the project's own admin sections (issue 17) -----------------------------------------------
# Words an admin label may keep because they are the same in Dutch.
ADMIN_SAME_IN_DUTCH = SAME_IN_DUTCH | {"ID", "Id", "Status", "Project", "Type", "Code", "Label", "Token", "Score",
                                       "Data", "Details", "Feedback", "Trigger", "Hash"}


def _admin_users() -> dict[str, object]:
    from tests import factories as f

    users = dict(_office_users())
    users["superuser"] = f.UserFactory(email="root@example.be", is_staff=True, is_superuser=True)
    return users


def _english_admin_label(label: object) -> bool:
    """True when a label comes out the same in English and Dutch and is not a translation that
    happens to be the same word (the label Django makes from a field or method name without a
    translated verbose_name)."""
    from django.utils.functional import Promise

    with translation.override("en"):
        en = str(label)
    with translation.override("nl"):
        nl = str(label)
    if not en.strip() or en != nl or en in ADMIN_SAME_IN_DUTCH:
        return False
    # A plain string (Django's label from a field or method name) is never translated, even when a
    # catalogue happens to hold the same msgid; a lazy one may be a word Dutch shares.
    return not isinstance(label, Promise) or not _translated(en, None)


def test_the_admin_label_check_finds_an_auto_generated_label() -> None:
    """The test below can fail: a field without verbose_name gets the English label Django makes."""
    from django.contrib.admin.utils import label_for_field
    from django.contrib.auth.models import Permission
    from django.forms.utils import pretty_name
    from django.utils.translation import gettext_lazy

    from matching.models import MatchRun

    assert _english_admin_label(label_for_field("codename", Permission)) is False  # Django translates it
    assert _english_admin_label("matched count") is True
    assert _english_admin_label("participants") is True  # a plain string, though a catalogue has the msgid
    assert _english_admin_label(gettext_lazy("participants")) is False
    assert _english_admin_label(label_for_field("matched_count", MatchRun)) is False  # fixed: verbose_name
    assert _english_admin_label(pretty_name("participant_count")) is True  # Django's label for a bare field


@pytest.mark.django_db
def test_every_label_of_the_projects_own_admin_is_in_dutch(settings: object) -> None:
    """Render the changelist and the add form of every ModelAdmin of the project's own apps in nl,
    as the platform administrator (superuser) and as the office roles that may open the admin, and
    check the model names, column headings, filter titles and form labels: none may be the
    English label Django made from a field or method name (or any other untranslated label)."""
    from django.contrib import admin
    from django.contrib.admin.utils import label_for_field
    from django.test import Client

    settings.BUDDYNET_TWO_FACTOR_REQUIRED = False  # type: ignore[attr-defined]
    missing: set[str] = set()
    seen: set[str] = set()

    def check(where: str, label: object) -> None:
        if _english_admin_label(label):
            missing.add(f"{where}: {label!s}")

    for role, user in _admin_users().items():
        client = Client()
        client.force_login(user)
        index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="nl")
        assert index.status_code == 200, role
        for app in index.context["app_list"]:
            for entry in app["models"]:
                model = entry["model"]
                if not model.__module__.startswith(PROJECT_PACKAGES):
                    continue
                where = f"{app['app_label']}.{model.__name__}"
                seen.add(where)
                check(where, model._meta.app_config.verbose_name)
                check(where, model._meta.verbose_name)
                check(where, model._meta.verbose_name_plural)
                model_admin = admin.site._registry[model]
                changelist = client.get(entry["admin_url"], HTTP_ACCEPT_LANGUAGE="nl")
                assert changelist.status_code == 200, (role, entry["admin_url"])
                for name in changelist.context["cl"].list_display:
                    if name == "__str__":  # the heading is the model's (lazy) verbose_name
                        check(f"{where} column {name}", model._meta.verbose_name)
                    elif name != "action_checkbox":
                        check(f"{where} column {name}", label_for_field(name, model, model_admin))
                for spec in changelist.context["cl"].filter_specs:
                    check(f"{where} filter", spec.title)
                forms = [entry.get("add_url")]
                first = changelist.context["cl"].result_list[:1]
                if first:  # the change form of one existing record, where make_world made one
                    forms.append(f"{entry['admin_url']}{first[0].pk}/change/")
                for url in filter(None, forms):
                    form = client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
                    if form.status_code != 200 or "adminform" not in form.context:
                        continue
                    adminform = form.context["adminform"]
                    for name, field in adminform.form.fields.items():
                        check(f"{where} field {name}", field.label)
                    for name in adminform.readonly_fields:
                        check(f"{where} read-only {name}", label_for_field(name, model, model_admin))
                    for inline in form.context.get("inline_admin_formsets", []):
                        inline_model = inline.opts.model
                        check(f"{where} inline", inline_model._meta.verbose_name_plural)
                        for name, field in inline.formset.form.base_fields.items():
                            check(f"{where} inline field {name}", field.label)
                        for name in inline.readonly_fields:
                            check(f"{where} inline read-only {name}", label_for_field(name, inline_model, inline.opts))
    # Every field of every model the project registers in the admin (and of its inlines), also where
    # make_world made no record to open a change form on.
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith(PROJECT_PACKAGES):
            continue
        for each in [model, *(inline.model for inline in model_admin.inlines)]:
            for field in each._meta.get_fields():
                if field.concrete:
                    check(f"{each._meta.label} field {field.name}", field.verbose_name)
    assert any(w.startswith("people.") for w in seen), sorted(seen)
    assert sorted(missing) == [], "\n".join(sorted(missing))
