"""Run the app under gunicorn: one master that loads and validates, forked threaded workers.

The app is built before gunicorn starts (``preload_app``), in the master process: the files are
parsed and validated once, a dataset that fails the shapes stops the command before any socket is
opened, and the workers share the loaded store copy-on-write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from pactgraph.web.app import create_app


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8  # measured: the health check waits less behind queued queries than at 4
    access_log: bool = False

    def gunicorn_config(self) -> dict[str, Any]:
        return {
            "bind": f"{self.host}:{self.port}",
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": self.threads,
            "preload_app": True,
            # gunicorn's ceiling for a request line; queries longer than that must be POSTed,
            # as the SPARQL Protocol advises for long queries.
            "limit_request_line": 8190,
            # Header limits, stated rather than inherited: at most 50 header fields of at most
            # 8190 bytes each; beyond them gunicorn answers 400 before the app sees anything.
            "limit_request_fields": 50,
            "limit_request_field_size": 8190,
            # gunicorn takes SCRIPT_NAME (and PATH_INFO) from request headers sent from
            # forwarded_allow_ips (127.0.0.1: a proxy on this machine passes the client's on), and
            # answers 500 when the path does not start with it. The URL this server is reached at
            # is the base_url setting; a fixed mount path can still come from the SCRIPT_NAME
            # environment variable. With no forwarder headers, gunicorn drops those headers.
            "forwarder_headers": "",
            # A gthread worker is restarted if its main loop stalls this long; queries cannot
            # stall it (they run in query worker processes, see engine/pool.py).
            "timeout": 60,
            "post_worker_init": _start_query_workers,
            "accesslog": "-" if self.access_log else None,
            "errorlog": "-",
            "proc_name": "pactgraph",
            # gunicorn 25.1+ opens a control socket in $HOME by default; a read-only data server
            # has no use for it, and two instances would contend for the same path.
            "control_socket_disable": True,
        }


def _start_query_workers(worker) -> None:
    """Each gunicorn worker starts its query workers before it accepts requests, so the first
    query does not wait for them (engine/pool.py)."""
    from pactgraph.engine.pool import executor_for

    executor_for(worker.app.wsgi()).start()


class PactgraphServer(BaseApplication):
    """A gunicorn application serving an already built Flask app."""

    def __init__(self, app: Flask, options: ServerOptions) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.gunicorn_config().items():
            # Settings this gunicorn does not know (an older release) are left out.
            if value is not None and name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.application


def serve(config: dict[str, Any], options: ServerOptions) -> None:
    """Build the app from ``config`` (raising ``DataNotConforming`` if the data fails the shapes),
    then serve it until gunicorn is stopped."""
    app = create_app(config)
    PactgraphServer(app, options).run()
