"""{% menu_item item %}: one link of the role's main menu (buddynet/web/context_processors.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def menu_item(context: template.Context, item: dict[str, Any]) -> SafeString:
    """The item's <li>; an item that names a project points at the page's `project` when it has one,
    and the item of the page's `section` (or address) is marked as the current page."""
    project = context.get("project")
    url = item["url"]
    project_pk = getattr(project, "pk", None)
    if item.get("per_project") and project_pk is not None:
        url = reverse(item["per_project"], args=[project_pk])
    request = context.get("request")
    section = context.get("section")
    current = item["current"] or (section and item["key"] == section) or (
        request is not None and request.path == url)
    if current:
        return format_html('<li><a href="{}" aria-current="page">{}</a></li>', url, item["label"])
    return format_html('<li><a href="{}">{}</a></li>', url, item["label"])
