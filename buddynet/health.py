"""GET /healthz: is the database reachable, is the broker reachable? 200 or 503, as JSON.

The cheap liveness probe for load balancers. Every check is bounded: a frozen Redis (it accepts
the TCP connection, then never answers) costs at most HEALTH_BROKER_TIMEOUT_SECONDS, with no
retry loop. The detailed state (worker, beat, disk, outbox) is /healthz/detail
(buddynet/operations/health.py), for administrators and monitoring with HEALTH_TOKEN.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def broker_ping(timeout: float | None = None) -> None:
    """Raises when the broker does not answer within `timeout` seconds (one try, no retries)."""
    from buddynet.celery import app

    timeout = float(settings.HEALTH_BROKER_TIMEOUT_SECONDS if timeout is None else timeout)
    url = str(app.conf.broker_write_url or app.conf.broker_url)
    if url.startswith(("redis://", "rediss://")):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # redis-py's own client, not kombu's: kombu's Redis transport sets no socket timeout
        # and retries, so a frozen server held /healthz (and the load balancer) indefinitely.
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                      retry=Retry(NoBackoff(), 0), health_check_interval=0)
        try:
            client.ping()
        finally:
            client.close()
        return
    with app.connection_for_write() as conn:
        # Other transports (the embedded filesystem one, AMQP): one connection attempt, bounded.
        conn.connect_timeout = timeout
        conn.ensure_connection(max_retries=0, timeout=timeout)


def _broker() -> str:
    try:
        broker_ping()
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks,
         "ms": round((time.perf_counter() - started) * 1000, 1)},
        status=200 if healthy else 503,
    )
