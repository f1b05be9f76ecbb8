"""Prometheus metrics for the app: requests and latency per route template, the DB pool, the
process. Each app instance gets a registry of its own; `make_metrics` returns None (and /metrics is
off) when prometheus-client is not installed.

With several worker processes (`python -m app serve --workers N`), prometheus_client's
multiprocess mode is on (PROMETHEUS_MULTIPROC_DIR, set and cleared by `serve`): whichever worker
answers a scrape reports every worker. Request counts and latencies are sums over the workers,
`http_requests_in_progress` too; values a worker reads from its own objects at scrape time (read
pools, response cache) are published by each worker into the shared files every second
(`publish`) and reported per worker, with a `pid` label (counters among them are summed). Files of
workers that died are pruned when a worker starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from app.db import async_reads
from app.db import engine as db_engine

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own setting
PUBLISH_INTERVAL_S = 1.0


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
            multiprocess_mode="livesum",
        )
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR_ENV))
        # Collectors of this process's own objects, read at scrape time (or published).
        self._per_process: list[Any] = []
        if self.multiprocess:
            from prometheus_client import multiprocess

            prune_dead_workers(Path(os.environ[MULTIPROCESS_DIR_ENV]))
            self.exposed = prom.CollectorRegistry()
            multiprocess.MultiProcessCollector(self.exposed)
            self._mirror = _Mirror(prom)
        else:
            self.exposed = self.registry
            prom.ProcessCollector(registry=self.registry)
        self.add_per_process_collector(_PoolCollector())
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

    def add_per_process_collector(self, collector: Any) -> None:
        """A collector of this process's own objects (read pools, the response cache)."""
        self._per_process.append(collector)
        if not self.multiprocess:
            self.registry.register(collector)

    def publish(self) -> None:
        """Multiprocess mode: write this worker's per-process values into the shared files."""
        if self.multiprocess:
            for collector in self._per_process:
                self._mirror.write(collector.collect())

    def close(self) -> None:
        """Multiprocess mode: this worker is going away; its live gauges stop counting."""
        if self.multiprocess:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format the scraper asks for (text 0.0.4 unless it wants
        OpenMetrics), with its content type."""
        from prometheus_client.exposition import choose_encoder

        self.publish()  # the answering worker's own values as of now
        encoder, content_type = choose_encoder(accept)
        return bytes(encoder(self.exposed)), str(content_type)


class _Mirror:
    """Writes collected gauge and counter families into multiprocess metrics of the same
    names: gauges per worker (`multiprocess_mode="all"`, a `pid` label), counters summed (the
    increase since the last write)."""

    def __init__(self, prom: Any) -> None:
        self.prom = prom
        self._metrics: dict[str, Any] = {}
        self._counted: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def write(self, families: Iterable[Any]) -> None:
        for family in families:
            for sample in family.samples:
                labels = tuple(sorted(sample.labels))
                if family.type == "counter" and sample.name.endswith("_total"):
                    counter = self._metric(family, "counter", labels, sample.labels)
                    key = (family.name, tuple(sorted(sample.labels.items())))
                    increase = sample.value - self._counted.get(key, 0.0)
                    if increase > 0:
                        counter.inc(increase)
                        self._counted[key] = sample.value
                elif family.type == "gauge":
                    self._metric(family, "gauge", labels, sample.labels).set(sample.value)

    def _metric(
        self, family: Any, kind: str, labelnames: tuple[str, ...], labels: dict[str, str]
    ) -> Any:
        metric = self._metrics.get(family.name)
        if metric is None:
            registry = self.prom.CollectorRegistry()  # only the shared files are exposed
            if kind == "counter":
                metric = self.prom.Counter(
                    family.name, family.documentation, labelnames, registry=registry
                )
            else:
                metric = self.prom.Gauge(
                    family.name,
                    family.documentation,
                    labelnames,
                    registry=registry,
                    multiprocess_mode="all",
                )
            self._metrics[family.name] = metric
        return metric.labels(**labels) if labels else metric


def prepare_multiprocess_metrics() -> Path:
    """Before starting several workers: PROMETHEUS_MULTIPROC_DIR set (a new temporary folder
    unless given) and emptied, so counts start at zero with this server."""
    given = os.environ.get(MULTIPROCESS_DIR_ENV)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="ecommerce-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_ENV] = str(directory)
    return directory


def start_publishing(metrics: Metrics | None) -> asyncio.Task[None] | None:
    """In multiprocess mode, publish this worker's own values every PUBLISH_INTERVAL_S (the
    app's lifespan runs it)."""
    if metrics is None or not metrics.multiprocess:
        return None

    async def publish_forever() -> None:
        while True:
            try:
                metrics.publish()
            except Exception:  # a metrics bug must not end the task, nor the app
                log.exception("publishing this worker's metrics failed")
            await asyncio.sleep(PUBLISH_INTERVAL_S)

    return asyncio.get_running_loop().create_task(publish_forever(), name="metrics-publisher")


async def stop_publishing(metrics: Metrics | None, task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if metrics is not None:
        metrics.close()


_PID_IN_FILE = re.compile(r"_(\d+)\.db$")


def prune_dead_workers(directory: Path) -> None:
    """Mark the workers whose files are in `directory` but whose process is gone as dead."""
    from prometheus_client import multiprocess

    pids = {int(m.group(1)) for f in directory.glob("*.db") if (m := _PID_IN_FILE.search(f.name))}
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))
        except PermissionError:
            pass


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


class ReadTargetCollector:
    """Reads per target (the primary, each replica) and each replica's lag, from the replica
    monitor (app/db/read_targets.py) of this worker."""

    def __init__(self, monitor: Any) -> None:
        self.monitor = monitor

    def describe(self) -> Iterable[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        reads = CounterMetricFamily(
            "db_reads", "Requests routed to each read target.", labels=["target"]
        )
        reads.add_metric(["primary"], self.monitor.primary_reads)
        lag = GaugeMetricFamily(
            "db_replica_lag_seconds",
            "Seconds each replica was behind the primary at the last probe (-1: unknown).",
            labels=["replica"],
        )
        usable = GaugeMetricFamily(
            "db_replica_usable", "1 when the replica is read from.", labels=["replica"]
        )
        for replica in self.monitor.replicas:
            reads.add_metric([replica.name], replica.reads)
            lag.add_metric([replica.name], -1.0 if replica.lag_s is None else replica.lag_s)
            usable.add_metric([replica.name], 1.0 if replica.usable else 0.0)
        yield reads
        yield lag
        yield usable
        yield CounterMetricFamily(
            "db_read_retries",
            "Requests run again on the primary after a replica failed.",
            self.monitor.retries,
        )


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
