"""Airflow as real processes: started by ``make airflow`` or ``make airflow-cluster`` in a
private ``AIRFLOW_HOME``, driven through the REST API, stopped by ``make airflow-stop``.

Each test gets its own Airflow metadata database on the PostgreSQL server of
``$NARRMON_TEST_PG_URL`` (created by the script, dropped afterwards), its own Celery queue
on ``$NARRMON_TEST_REDIS_URL`` and free ports from 28080 up, so runs on one machine do
not meet. Without PostgreSQL or Redis the tests are skipped with the reason; in CI
(``CI`` set) that fails instead.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import PG_ENV, pg_url

REPO = Path(__file__).resolve().parents[2]
REDIS_ENV = "NARRMON_TEST_REDIS_URL"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
API_PORTS = 28080  # first port tried for the API server
LOG_PORTS = 28790  # first port tried for the log servers of `make airflow`
START_TIMEOUT = 300  # seconds for `make airflow…` to report healthy
RUN_TIMEOUT = 240  # seconds a DAG run may take
STOP_TIMEOUT = 90
TERMINAL = {"success", "failed"}


def need(ok: bool, reason: str) -> None:
    """Skip (fail in CI) unless ``ok``."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI needs it for the Airflow tests")
        pytest.skip(reason)


def pg_server() -> str:
    """The test PostgreSQL server as ``postgresql+psycopg://user@host:port`` (no database)."""
    url = pg_url()
    need(url is not None, f"the Airflow tests need PostgreSQL ({PG_ENV})")
    parts = urlsplit(url)
    import psycopg

    libpq = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    try:
        psycopg.connect(libpq, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        need(False, f"PostgreSQL at {parts.hostname}:{parts.port} does not answer ({exc})")
    return urlunsplit(("postgresql+psycopg", parts.netloc, "", "", ""))


def redis_url() -> str:
    """The Redis server for the Celery broker, checked to answer."""
    import redis

    url = os.environ.get(REDIS_ENV, DEFAULT_REDIS)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        need(False, f"the Celery cluster test needs Redis at {url} ({REDIS_ENV}): {exc}")
    finally:
        client.close()
    return url


def free_ports(count: int, start: int) -> list[int]:
    """``count`` ports from ``start`` up that nothing listens on now."""
    found: list[int] = []
    for port in range(start, start + 2000):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports from {start}")


def drop_database(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(server)
    libpq = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(libpq, autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))


def database_exists(server: str, name: str) -> bool:
    import psycopg

    parts = urlsplit(server)
    libpq = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(libpq) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def base_env() -> dict[str, str]:
    """This environment without the suite's own Airflow and narrmon settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NARRMON_"))}


def commands_of(home: Path) -> list[list[str]]:
    """Command lines of the processes whose environment names ``home`` as AIRFLOW_HOME."""
    import psutil

    marker = str(home)
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("AIRFLOW_HOME") == marker:
                found.append(proc.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


class Airflow:
    """One Airflow started by a make target, and a REST client for it."""

    def __init__(self, home: Path, port: int, env: dict[str, str]) -> None:
        self.home = home
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.env = {**base_env(), **env, "AIRFLOW_HOME": str(home), "AIRFLOW_PORT": str(port)}
        self._client: Any = None

    def make(self, target: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "--no-print-directory", target],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, target: str) -> str:
        done = self.make(target, START_TIMEOUT)
        said = done.stdout + done.stderr
        assert done.returncode == 0, f"make {target} failed:\n{said}{self.logs()}"
        return said

    def stop(self) -> str:
        done = self.make("airflow-stop", STOP_TIMEOUT)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def logs(self, lines: int = 15) -> str:
        out = []
        for log in sorted((self.home / "run").glob("*.log")):
            tail = log.read_text("utf-8", errors="replace").splitlines()[-lines:]
            out.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(out)

    @property
    def client(self) -> Any:
        """An httpx client holding a JWT of the generated ``admin`` user."""
        if self._client is None:
            import httpx

            secrets = self.home / "simple_auth_manager_passwords.json.generated"
            password = json.loads(secrets.read_text("utf-8"))["admin"]
            answer = httpx.post(
                f"{self.base}/auth/token",
                json={"username": "admin", "password": password},
                timeout=30,
            )
            assert answer.status_code in (200, 201), answer.text
            token = answer.json()["access_token"]
            self._client = httpx.Client(
                base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
        return self._client

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()

    def wait_for_dags(self, dag_ids: set[str]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = {d["dag_id"] for d in self.get("/api/v2/dags", limit=100)["dags"]}
            if dag_ids <= found:
                return
            time.sleep(1)
        raise AssertionError(f"the DAG processor did not list {dag_ids - found}\n{self.logs()}")

    def unpause(self, dag_id: str) -> Any:
        return self.client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> Any:
        return self.client.post(
            f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
        )

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def wait_run(
        self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT, expect: str = "success"
    ) -> dict:
        """Wait until the run ends; fail naming its task states if it ends other than ``expect``."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in TERMINAL or time.monotonic() > deadline:
                break
            time.sleep(1)
        states = [(t["task_id"], t["map_index"], t["state"]) for t in self.tasks(dag_id, run_id)]
        assert run["state"] == expect, f"{dag_id} {run_id}: {run['state']} {states}"
        return run

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """The text of one task try's log, as the REST API serves it to the UI."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        answer = self.client.get(
            path, params={"full_content": "true"}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        content = answer.json()["content"]
        if isinstance(content, str):
            return content
        return "\n".join(
            entry.get("event", "") if isinstance(entry, dict) else str(entry) for entry in content
        )

    def tasks(self, dag_id: str, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return self.get(path, limit=100)["task_instances"]


@pytest.fixture
def metadata_db() -> Iterator[tuple[str, str]]:
    """``(server, name)`` of a not yet existing metadata database, dropped afterwards."""
    server = pg_server()
    name = f"narrmon_af_{uuid.uuid4().hex[:10]}"
    try:
        yield server, name
    finally:
        drop_database(server, name)


@pytest.fixture
def airflow_factory(tmp_path: Path) -> Iterator[Any]:
    """Makes :class:`Airflow` instances; stops whatever is still running at the end."""
    made: list[Airflow] = []

    def make(env: dict[str, str]) -> Airflow:
        (port,) = free_ports(1, API_PORTS)
        home = tmp_path / f"airflow{len(made)}"
        home.mkdir()
        instance = Airflow(home, port, env)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        if instance._client is not None:
            instance._client.close()
        if commands_of(instance.home):
            instance.make("airflow-stop", STOP_TIMEOUT)
