"""The filter of a paged list on a page, kept in the session: one helper for every list that has
a search box (the coordinator's participants, volunteers and duos; the organisation
administrator's volunteer accounts).

A name typed into the search box must never travel in the address, where it would stay in the
browser's history and in every proxy's and server's access log (docs/security.md). So the form is
posted, its values kept in the session under the list's key, and the list reloaded at its plain
address (post/redirect/get); the page number alone travels in the address.
"""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

FormT = TypeVar("FormT", bound=forms.Form)


def list_filter(request: HttpRequest, *, key: str, form_class: type[FormT],
                links: bool = True) -> tuple[FormT, HttpResponse | None]:
    """The list's filter form, and the redirect that answers a POST (None otherwise).

    POST: "clear" forgets the kept filter; valid values are kept under `key`; invalid ones are
    answered with the bound form (the page says what is wrong, status 400). GET: the kept filter.
    With `links`, filters that name no one (a status, a life domain) may also come in a link, e.g.
    Today's "all waiting": such a link replaces the kept filter for that view, and a search term
    in a link is ignored."""
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(key, None)
            return form_class(), redirect(request.path)
        form = form_class(request.POST)
        if form.is_valid():
            request.session[key] = form.cleaned_data
            return form, redirect(request.path)
        return form, None
    # The page number alone is no filter: page 2 of the kept filters.
    if links and set(request.GET) - {"page"}:
        data = request.GET.copy()
        data.pop("q", None)
        data.pop("page", None)
        return form_class(data), None
    return kept_list_filter(request, key=key, form_class=form_class), None


def kept_list_filter(request: HttpRequest, *, key: str, form_class: type[FormT]) -> FormT:
    """The filter kept for this list (an unbound form when there is none)."""
    kept = request.session.get(key)
    return form_class(kept) if kept else form_class()
