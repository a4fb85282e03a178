"""/metrics in Prometheus text: the database's numbers read at each scrape, and HTTP latency by route.

Two sources (docs/operations.md says why):

* `StoreCollector` reads the database when Prometheus scrapes: jobs by state, the queue's depth and
  its oldest job's age, the workers alive, and the counters job runs and watch passes add there
  (narrator.service.metrics). Every web node reports the same numbers, whichever process on whichever
  machine did the work.
* `narrator_http_request_duration_seconds` is this node's own: each web process times the requests it
  answers, labelled by the Flask URL rule ('/api/articles/<article_id>', never the raw path: a bounded
  set of series). Under gunicorn's several processes, prometheus_client's multiprocess mode adds them
  up: deploy/gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before anything imports prometheus_client,
  and a scrape answered by any process reads every process's file there.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest, values
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.multiprocess import MultiProcessCollector

from narrator.service.metrics import queue_facts
from narrator.service.store import Store

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Upper bounds of the HTTP latency histogram: most answers take milliseconds (bench/RESULTS.md,
bench_serve), a submission that stores a long article a second or so; 30 s catches a stuck one."""
UNMATCHED = "unmatched"
"""The route label of a request no URL rule matched (404, 405): one series for all of them."""


class StoreCollector:
    """The database's numbers, read at each scrape (a custom collector: nothing is kept in this process)."""

    def __init__(self, store: Store, heartbeat_s: float):
        self.store, self.heartbeat_s = store, heartbeat_s

    def describe(self) -> list[Metric]:
        return []  # registering the collector must not query the database

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("narrator_database_up", "1 if the database answered this scrape, else 0 (the "
                               "other narrator_* numbers of the database are then missing).")
        try:
            facts = queue_facts(self.store.db)
            tallies = self.store.tallies.read()
            alive = self.store.heartbeats.alive(self.heartbeat_s)
        except Exception as e:  # the rest of the page (this node's HTTP latency) is still worth having
            log.warning("metrics: the database did not answer: %s", e)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        jobs = GaugeMetricFamily("narrator_jobs", "Jobs in the store, by state.", labels=["state"])
        for state, count in facts.jobs.items():
            jobs.add_metric([state], count)
        yield jobs
        yield GaugeMetricFamily("narrator_queue_depth", "Jobs waiting to run.", value=facts.depth)
        yield GaugeMetricFamily("narrator_queue_oldest_age_seconds", "Seconds the oldest waiting job has "
                                "waited since its submission (0 when none waits).", value=facts.oldest_age_s)
        workers = GaugeMetricFamily("narrator_workers", "Worker processes whose heartbeat is recent, by role "
                                    "('worker': narrator worker; 'serve': a web process's runner).",
                                    labels=["role"])
        roles = Counter(w.role for w in alive)
        for role in ("worker", "serve"):
            workers.add_metric([role], roles.get(role, 0))
        yield workers
        for tally, samples in tallies.items():
            family: Metric
            if tally.kind == "counter":
                family = CounterMetricFamily(tally.name, tally.help, labels=list(tally.labels))
                for s in samples:
                    family.add_metric([s.labels[k] for k in tally.labels], s.value)
            else:
                family = HistogramMetricFamily(tally.name, tally.help, labels=list(tally.labels))
                for s in samples:
                    family.add_metric([s.labels[k] for k in tally.labels], buckets=list(s.buckets),
                                      sum_value=s.value)
            yield family


class WebMetrics:
    """This app's metrics (its HTTP latency, the store's collector) and the page /metrics shows."""

    def __init__(self, store: Store, heartbeat_s: float):
        self.registry = CollectorRegistry()
        """This process's own metrics (single-process mode)."""
        self.latency = Histogram(
            "narrator_http_request_duration_seconds",
            "Time to answer an HTTP request (until the response's head; a streamed body is not counted), "
            "by Flask URL rule, method and status.",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.store_collector = StoreCollector(store, heartbeat_s)
        self.registry.register(self.store_collector)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.latency.labels(route, method, str(status)).observe(seconds)

    def page(self) -> bytes:
        """The Prometheus text: under multiprocess mode every process's latency (read from the shared
        folder) with the store's numbers, else this process's registry."""
        if getattr(values.ValueClass, "_multiprocess", False):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            registry.register(self.store_collector)
            return generate_latest(registry)
        return generate_latest(self.registry)


__all__ = ["LATENCY_BUCKETS", "UNMATCHED", "StoreCollector", "WebMetrics"]
