"""Sliding-window rate limits kept in the database, shared by every gunicorn worker.

Why the database and not Django's cache: CACHES is not configured, so each worker process has
its own LocMemCache and a limit counted there would be multiplied by the number of workers;
the database cache would need `createcachetable` on every deployment and its incr() is a
read-then-write that two workers can interleave; Redis is optional (the single-machine setup
runs without it). django-ratelimit counts in that same cache (fixed windows, so twice the
limit across a window boundary). One small table with a migration works on SQLite and
PostgreSQL alike and is exact under concurrency:

1. each request inserts one row per bucket (committed at once: call this outside a transaction);
2. then counts the rows of each bucket in the window, its own and every committed one;
3. over a limit: it deletes its own rows again and is refused — so refused requests do not
   keep an address blocked, and flooding does not grow the table.

No more than `limit` requests of a bucket are ever let through in a window: of any limit + 1
that were, the one that counted last would have seen them all and refused itself. (Two
requests racing for the last place may both be refused: the error is on the safe side.)

Buckets are HMACs of the counted value (SECRET_KEY-keyed), not e-mail or IP addresses.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac

from buddynet.security.models import RateLimitHit

_SALT = "buddynet.security.ratelimit"


def bucket(kind: str, value: str) -> str:
    """The stored key for counting `value` (an e-mail address, an IP address) under `kind`."""
    return salted_hmac(_SALT, f"{kind}:{value}", algorithm="sha256").hexdigest()


def ip_bucket_value(address: str | None) -> str:
    """What the per-IP limit counts: an IPv4 address, or the /64 network of an IPv6 address
    (one subscriber line gets a whole /64, so single IPv6 addresses are free to rotate)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def rate_limit_hit(*, limits: dict[str, tuple[str, int]], window: dt.timedelta) -> list[str]:
    """Count one request against each named bucket: limits = {name: (bucket, limit)}.

    Returns the names whose limit the request would exceed; then nothing is counted. An empty
    list means the request is allowed and counted in every bucket."""
    now = timezone.now()
    cutoff = now - window
    RateLimitHit.objects.filter(created_at__lt=cutoff).delete()  # expired, of every bucket
    mine = RateLimitHit.objects.bulk_create(
        [RateLimitHit(bucket=key, created_at=now) for key, _limit in limits.values()])
    counts = dict(
        RateLimitHit.objects.filter(bucket__in=[key for key, _limit in limits.values()], created_at__gte=cutoff)
        .values("bucket").annotate(n=Count("id")).values_list("bucket", "n")
    )
    over = [name for name, (key, limit) in limits.items() if counts.get(key, 0) > limit]
    if over:
        RateLimitHit.objects.filter(pk__in=[row.pk for row in mine]).delete()
    return over
