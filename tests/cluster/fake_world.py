"""The outside world of the cluster test, installed inside Airflow's own worker processes.

The Celery workers are separate processes, so the test cannot monkeypatch them. Instead
the test starts its cluster with ``tests/cluster/inject`` on ``PYTHONPATH``; that
``sitecustomize`` calls :func:`install` in each of its processes when
``NARRMON_TEST_FAKE_WORLD`` names an activity file (only the workers' task processes ever
collect). Production code is untouched: :func:`install` swaps the Telegram client
factory for a :class:`~tests.collect_fakes.FakeTelegram` (real telethon objects) and
serves the recorded X payloads through ``responses`` (real tweepy), as the in-process
DAG tests do.

Every Telegram session (connect … disconnect) appends ``start``/``end`` lines to the
activity file, and an ``overlap`` line if another session was open at that moment, so
the test can prove the ``telegram_api`` pool kept the API to one task at a time across
both workers. :func:`hostname` is the test's ``[core] hostname_callable``: each task
instance records the Celery worker it ran on.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACTIVITY_ENV = "NARRMON_TEST_FAKE_WORLD"
DAY = datetime(2026, 11, 20, tzinfo=UTC)
X_ACCOUNT = "istok_rs"
X_PAGES = ("timeline_page1.json", "timeline_page2.json", "empty.json")
CHANNEL_POSTS: dict[str, tuple[int, list[str]]] = {
    "istok": (
        11,
        [
            "Ко је признао Косово нема право да прича о Криму. Исто правило важи за све!",
            "Ako je Kosovo moglo da se otcepi, može i Republika Srpska. Referendum odmah.",
            "Danas sunčano u Beogradu, do 14 stepeni. Vikend kišovit.",
        ],
    ),
    "spor": (12, ["Русија је једини брат Србије, чува нас у Савету безбедности."]),
    "zapad": (
        13,
        [
            "Presedan? ICJ je rekao da je slučaj Kosova sui generis.",
            "Aneksija Krima pod cevima nije referendum.",
        ],
    ),
    "sever": (
        14,
        [
            "Zapad je priznao Kosovo, sada neka prizna i volju naroda Donbasa.",
            "Utakmica večeras u 20h, Zvezda protiv Partizana.",
        ],
    ),
}


def expected_posts() -> set[tuple[str, str]]:
    """The (platform, post_id) keys one collect of this world stores."""
    keys = {
        ("telegram", f"{cid}/{i + 1}")
        for cid, texts in CHANNEL_POSTS.values()
        for i in range(len(texts))
    }
    from tests.collect_fakes import x_payload

    for page in X_PAGES:
        keys |= {("x", tweet["id"]) for tweet in json.loads(x_payload(page)).get("data", [])}
    return keys


def hostname() -> str:
    """The Celery worker's name (``--celery-hostname``) when in one, else the host name."""
    argv = sys.argv
    for i, arg in enumerate(argv[:-1]):
        if arg in ("-H", "--celery-hostname"):
            return argv[i + 1]
    return socket.getfqdn()


class _Activity:
    """Start and end of each Telegram session, appended to one file shared by all workers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = path.with_suffix(".open")
        self.held = False

    def _line(self, event: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"{event} {hostname()} {os.getpid()} {time.time():.6f}\n")

    def start(self) -> None:
        try:
            os.close(os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            self.held = True
        except FileExistsError:
            self._line("overlap")
        self._line("start")

    def end(self) -> None:
        self._line("end")
        if self.held:
            self.lock.unlink(missing_ok=True)
            self.held = False


def _telegram(activity: _Activity) -> Any:
    from tests.collect_fakes import FakeTelegram, channel, message

    class RecordingTelegram(FakeTelegram):
        async def connect(self) -> None:
            activity.start()

        async def disconnect(self) -> None:
            activity.end()

    tg = RecordingTelegram()
    start = DAY + timedelta(hours=8)
    for name, (cid, texts) in CHANNEL_POSTS.items():
        posts = [
            message(cid, i + 1, text, date=start + timedelta(hours=i))
            for i, text in enumerate(texts)
        ]
        tg.add_channel(channel(cid, name), posts)
    return tg


def _x() -> None:
    import responses

    from tests.collect_fakes import XRouter

    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.add_passthru(re.compile(r"^(?!https://api\.twitter\.com/)"))  # X only
    mock.start()
    api = XRouter(mock)
    api.on(f"/2/users/by/username/{X_ACCOUNT}", (200, "user_istok_rs.json"))
    api.on("/2/users/1001/tweets", *((200, page) for page in X_PAGES))


def install(activity_file: str) -> None:
    """Replace Telegram and X in this process (and the processes it forks)."""
    import collectors.telegram.client as tg_client

    activity = _Activity(Path(activity_file))
    tg_client.make_telethon_client = lambda credentials: _telegram(activity)
    _x()
