"""Prometheus metrics for the app: requests and latency per route template, the DB pool, the
process. Each app instance gets a registry of its own; `make_metrics` returns None (and /metrics is
off) when prometheus-client is not installed."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from app.db import async_reads
from app.db import engine as db_engine

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request metrics and pool gauges in a registry of their own (one per app instance)."""

    def __init__(self) -> None:
        import prometheus_client as prom

        self.prom = prom
        self.registry = prom.CollectorRegistry(auto_describe=True)
        self.requests = prom.Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = prom.Histogram(
            "http_request_duration_seconds",
            "Time from the request's arrival to the end of its response, by route template.",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = prom.Gauge(
            "http_requests_in_progress",
            "Requests being handled now.",
            registry=self.registry,
        )
        self.registry.register(_PoolCollector())
        prom.ProcessCollector(registry=self.registry)
        # (method, route template, status) → its counter and histogram: `labels()` looks them
        # up under a lock on every call. Bounded like the labels (route templates, not paths).
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format the scraper asks for (text 0.0.4 unless it wants
        OpenMetrics), with its content type."""
        from prometheus_client.exposition import choose_encoder

        encoder, content_type = choose_encoder(accept)
        return bytes(encoder(self.registry)), str(content_type)


class _PoolCollector:
    """The API's read pool (app/db/read_pool.py) and the SQLAlchemy engine's pool (the CLIs,
    `/ready`), read at scrape time (no engine or pool is created for it)."""

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        engine = db_engine._engine
        pool = engine.pool if engine is not None else None

        def gauge(name: str, doc: str, method: str) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc)
            reader = getattr(pool, method, None)
            if callable(reader):
                family.add_metric([], float(reader()))
            return family

        yield gauge("db_pool_size", "Connections the pool keeps (pool_size).", "size")
        yield gauge("db_pool_checked_out", "Connections in use by requests now.", "checkedout")
        yield gauge("db_pool_checked_in", "Idle connections in the pool now.", "checkedin")
        yield gauge("db_pool_overflow", "Connections open beyond pool_size now.", "overflow")

        pools = async_reads.read_pools()
        for name, doc, read in (
            ("db_read_pool_open", "API read connections open now.", lambda p: p.size),
            ("db_read_pool_idle", "API read connections idle now.", lambda p: p.idle),
            (
                "db_read_pool_waiting",
                "Requests waiting for a read connection.",
                lambda p: p.waiting,
            ),
            ("db_read_pool_max", "Most API read connections allowed.", lambda p: p.max_size),
        ):
            family = GaugeMetricFamily(name, doc)
            if pools:
                family.add_metric([], float(sum(read(pool) for pool in pools)))
            yield family


class ResponseCacheCollector:
    """The in-process response cache (app/api/http_cache.py) of this worker, read at scrape
    time: hits, misses, entries and bytes held."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        cache = self.cache
        yield CounterMetricFamily(
            "http_response_cache_hits", "Answers served from the response cache.", cache.hits
        )
        yield CounterMetricFamily(
            "http_response_cache_misses",
            "Cacheable requests the cache could not answer (computed, then kept if they fit).",
            cache.misses,
        )
        yield GaugeMetricFamily(
            "http_response_cache_entries", "Answers held in the response cache.", len(cache)
        )
        yield GaugeMetricFamily(
            "http_response_cache_bytes",
            "Bytes held by the response cache (bounded by RESPONSE_CACHE_MAX_BYTES).",
            cache.size_bytes,
        )


def make_metrics() -> Metrics | None:
    try:
        return Metrics()
    except ImportError:
        log.warning("prometheus-client is not installed: /metrics is disabled")
        return None
