"""The two Redis cache aliases of a deployment: the default cache (and sessions' cache) and the page cache.

The page cache lives in a database of its own, by default the one after the
default cache's: clearing it must lose nobody's session or basket.
"""

from urllib.parse import urlsplit, urlunsplit


def redis_database(url: str) -> tuple[str, int]:
    """The server (host:port) and database number a Redis URL names; database 0 when it names none."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1], int(parts.path.strip("/") or 0)


def next_database(url: str) -> str:
    """The same Redis server, the next database number (after 15, 0)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{(redis_database(url)[1] + 1) % 16}"))


def redis_caches(url: str, page_cache_url: str | None = None, **options) -> dict:
    """CACHES for `url` and its page cache (`page_cache_url`, else the next database); `options` go to both."""
    return {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, **options},
        "pages": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": page_cache_url or next_database(url),
            **options,
        },
    }
