"""A Python load generator for when wrk is not installed: threads, keep-alive, fixed duration.

Slower than wrk (the generator itself uses CPU the servers would otherwise get), so its figures are
comparable with each other but lower than wrk's; the report says which generator ran.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
import urllib.parse


def python_load(url: str, requests: list[tuple[str, str]], duration: float,
                connections: int) -> dict:
    """Drive ``url`` from ``connections`` threads cycling through ``requests`` for ``duration``."""
    address = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = itertools.count()

    def worker(number: int) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline:
            n = next(counter)
            accept, path = requests[n % len(requests)]
            began = time.perf_counter()
            try:
                connection.request("GET", path.replace("UNIQUEN", f"t{number}n{n}"),
                                   headers={"Accept": accept})
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(address.hostname, address.port,
                                                        timeout=10)
                continue
            mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 30)
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return {"rps": len(latencies) / elapsed, "p50_ms": percentile(50), "p99_ms": percentile(99),
            "errors": errors[0], "requests": len(latencies)}
