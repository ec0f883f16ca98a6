"""Security headers on pages and API responses; production settings pass `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_sign_in_page_has_a_strict_script_policy_and_is_not_stored():
    response = Client().get("/aanmelden/")
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]  # no inline script, no other origin
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert _no_store(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_page_that_uses_the_nonce_gets_it_in_its_policy(world, rf):
    from django.template import engines

    from buddynet.security.middleware import NoStoreMiddleware

    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">1</script>')
    from csp.middleware import CSPMiddleware

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(template.render({}, request))

    response = CSPMiddleware(NoStoreMiddleware(view))(rf.get("/x"))
    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert len(nonce) >= 16
    assert f"'nonce-{nonce}'" in _csp(response)["script-src"]


@pytest.mark.parametrize(
    "url", ["/api/v1/me/", "/api/v1/participants/", "/api/v1/duos/", "/api/v1/check-ins/", "/api/schema/"],
)
def test_api_responses_are_not_stored(world, url):
    response = client_for(world.coordinator).get(url)
    assert response.status_code == 200
    assert _no_store(response)
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_refusals_and_errors_are_not_stored_either(world):
    assert _no_store(client_for(None).get("/api/v1/participants/"))
    assert _no_store(client_for(world.coordinator).get(f"/api/v1/participants/{world.other_participant.pk}/"))
    assert _no_store(client_for(world.coordinator).post("/api/v1/participants/", {}, format="json"))


def test_admin_pages_are_not_stored(world):
    client = Client()
    client.force_login(world.admin)
    response = client.get(f"/admin/people/participant/{world.participant.pk}/change/")
    assert response.status_code == 200
    assert _no_store(response)
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_swagger_ui_start_script_is_a_file_not_inline():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # every script has a src
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "no-store" not in script.headers.get("Cache-Control", "")  # code, no personal data


def test_the_middleware_leaves_scripts_manifests_and_a_views_own_cache_choice_alone(rf):
    from django.http import HttpResponse

    from buddynet.security.middleware import NoStoreMiddleware

    def serve(content_type: str, cache_control: str | None = None):
        def view(request):
            response = HttpResponse("x", content_type=content_type)
            if cache_control:
                response["Cache-Control"] = cache_control
            return response

        return NoStoreMiddleware(view)(rf.get("/sw.js"))

    assert "Cache-Control" not in serve("application/javascript").headers
    assert "Cache-Control" not in serve("text/javascript; charset=utf-8").headers
    assert "Cache-Control" not in serve("application/manifest+json").headers
    assert serve("text/html", "max-age=60").headers["Cache-Control"] == "max-age=60"
    assert "no-store" in serve("text/html; charset=utf-8").headers["Cache-Control"]
    assert "no-store" in serve("application/json").headers["Cache-Control"]
    assert "no-store" in serve("application/pdf").headers["Cache-Control"]


@pytest.mark.django_db
def test_static_files_stay_cacheable(settings):
    response = Client().get("/static/web/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def _production_env() -> dict[str, str]:
    # Not the test process's DJANGO_ALLOW_ASYNC_UNSAFE (set for Playwright): a deployment has none.
    dropped = {"DEBUG", "SECURE", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        SECURE="true", DEBUG="false", ALLOWED_HOSTS="buddy.example.be", SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="buddynet.settings",
        # Production refuses the embedded database and a derived encryption key (buddynet/production.py);
        # these tests are about headers, on the embedded defaults.
        ALLOW_EMBEDDED_IN_PRODUCTION="true", FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    return env


def test_check_deploy_with_production_settings_gives_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
# Headers only: static URLs without the manifest (tests/test_deploy.py serves the collected ones).
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
plain = Client(HTTP_HOST="buddy.example.be").get("/aanmelden/")
print("redirect", plain.status_code, plain.headers.get("Location"))
secure = Client(HTTP_HOST="buddy.example.be").get("/aanmelden/", secure=True)
print("hsts", secure.headers.get("Strict-Transport-Security"))
print("csrf_cookie_secure", secure.cookies["csrftoken"]["secure"])
print("session_cookie_secure", settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)
"""


def test_production_settings_redirect_to_https_and_send_hsts_and_secure_cookies(tmp_path):
    env = _production_env()
    env["BUDDYNET_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["redirect"] == "301 https://buddy.example.be/aanmelden/"
    assert lines["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["csrf_cookie_secure"] == "True"
    assert lines["session_cookie_secure"] == "True True"


def test_the_network_map_picture_is_not_stored(world):
    """An SVG with the labels of the people in someone's network: images are otherwise left
    cacheable by the middleware, so the view must say no-store itself."""
    from django.urls import reverse

    from netwerk import services as netwerk_services

    network_map = netwerk_services.map_create(participant=world.participant, by=world.coordinator)
    netwerk_services.alter_add(network_map=network_map, data={"label": "Zus Anja", "category": "family"},
                               by=world.coordinator)
    client = Client()
    client.force_login(world.coordinator)
    response = client.get(reverse("netwerk:map-picture", args=[network_map.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml") and b"Zus Anja" in response.content
    assert _no_store(response)
