"""The deployment of deploy/ on loopback, for tests/test_deployment.py and bench/replicas.py:
N ``pactgraph serve`` replicas sharing one prebuilt store folder, behind Debian's nginx running
deploy/nginx/pactgraph.conf as written (only its three placeholders filled in).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from servers import free_port, pactgraph_command

ROOT = Path(__file__).resolve().parents[1]
SITE_CONF = ROOT / "deploy" / "nginx" / "pactgraph.conf"
STARTUP_SECONDS = 300
# What the test adds around the site file, as /etc/nginx/nginx.conf does on Debian: a prefix of
# its own for temporary files, its pid and log, and the foreground (the test owns the process).
MAIN_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/pactgraph.conf;
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    assert found, "nginx is missing: run tools/install-test-deps.sh"
    return found


def answers(url: str, timeout: float = 5) -> int | None:
    """The status ``url`` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@dataclass
class Replica:
    port: int
    options: tuple[str, ...]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        # The counters' folder (web/metrics.py) beside the log: a replica killed with SIGKILL
        # cannot remove a folder of its own making.
        metrics = self.log.with_name(f"metrics-{self.port}")
        metrics.mkdir(exist_ok=True)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [*pactgraph_command(), "serve", "--port", str(self.port), *self.options],
                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)})

    def wait_ready(self) -> float:
        """Seconds until ``/healthz/ready`` answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < STARTUP_SECONDS:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica {self.port} exited:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            if answers(self.url + "/healthz/ready") == 200:
                return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError(f"replica {self.port} was not ready within {STARTUP_SECONDS} s")

    def kill(self) -> None:
        """SIGKILL the replica's whole process tree (its granian workers, its query workers)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deployment:
    folder: Path
    replicas: list[Replica]
    port: int = field(default_factory=free_port)
    nginx: subprocess.Popen | None = None
    rate: str | None = None  # bench/replicas.py only: another rate per client than the file's

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        first, *others = self.replicas
        first.start()  # builds the prebuilt store (once per version of the files)
        first.wait_ready()
        for replica in others:  # then only open it
            replica.start()
        for replica in others:
            replica.wait_ready()
        self.start_nginx()

    def start_nginx(self) -> None:
        upstreams = " ".join(f"server 127.0.0.1:{replica.port};" for replica in self.replicas)
        site = SITE_CONF.read_text()
        for name, value in (("PACTGRAPH_LISTEN", f"127.0.0.1:{self.port}"),
                            ("PACTGRAPH_CACHE_DIR", str(self.folder / "cache")),
                            ("PACTGRAPH_REPLICAS", upstreams)):
            site = site.replace("${" + name + "}", value)
        if self.rate:
            site = site.replace("rate=50r/s", f"rate={self.rate}")
        (self.folder / "pactgraph.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""  # nginx's workers may read our files
        main = self.folder / "nginx.conf"
        main.write_text(MAIN_CONF.format(user=user, folder=self.folder))
        command = [nginx_binary(), "-p", str(self.folder), "-e", str(self.folder / "error.log"),
                   "-c", str(main)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        self.nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while answers(self.url + "/healthz/live") != 200:
            if time.monotonic() > deadline or self.nginx.poll() is not None:
                raise RuntimeError("nginx did not start:\n"
                                   + (self.folder / "error.log").read_text(errors="replace"))
            time.sleep(0.1)

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.nginx.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.nginx.pid, signal.SIGKILL)
                self.nginx.wait(10)
        for replica in self.replicas:
            replica.stop()


def deployment(folder: Path, count: int, *options: str) -> Deployment:
    """``count`` replicas (not started) with ``options``, trusting the proxy on loopback, and
    knowing the proxy's URL as theirs (``--base-url``, as deploy/systemd sets it): a replica
    otherwise writes links to the host each request names, its own when asked directly."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    replicas = [Replica(free_port(), ("--trusted-proxies", "127.0.0.1", "--base-url",
                                      f"http://127.0.0.1:{port}", *options),
                        folder / f"replica-{index}.log") for index in range(count)]
    return Deployment(folder, replicas, port)
