"""Spike alerts: the rule, the posts behind a spike, and e-mail to a local SMTP server."""

from __future__ import annotations

import base64
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from narrmon.cli import app
from narrmon.config import AlertsConfig, Config, SmtpConfig
from narrmon.errors import ConfigError
from narrmon.pipeline import report
from narrmon.records import Account, MetricSnapshot, Post
from narrmon.store import Store
from tests.report_store import add_labels

pytestmark = pytest.mark.clock  # date-sensitive: CI runs it again with the clock moved ahead

DAY = datetime(2026, 11, 20, tzinfo=UTC)
HISTORY = 14  # days of one kosovo_precedent post each before the spike day


def _spiky(store: Store, on_day: int = 6) -> Store:
    """One labelled post (10 views) a day for 14 days, then ``on_day`` posts on 11-20."""
    posts, snaps, labels = [], [], {}
    for d in range(HISTORY, -1, -1):
        day = DAY - timedelta(days=d)
        for i in range(on_day if d == 0 else 1):
            pid = f"500/{(HISTORY - d) * 10 + i + 1}"
            when = day + timedelta(hours=8 + i)
            posts.append(
                Post("telegram", pid, "500", when, text=f"Kosovo je presedan {i}", source="t")
            )
            snaps.append(
                MetricSnapshot("telegram", pid, when + timedelta(hours=1), views=10 * (i + 1))
            )
            labels[("telegram", pid)] = {"kosovo_precedent": 0.9}
    account = Account("telegram", "500", "spike_kanal", "Spike", 100)
    store.write_batch(accounts=[account], posts=posts, snapshots=snaps, source="t")
    add_labels(store, "m1", labels, DAY, posts=posts)
    return store


def test_spike_found_with_the_posts_behind_it(store: Store) -> None:
    result = report.alerts(Config(), _spiky(store), "2026-11-20")
    spikes = {(s.label, s.metric): s for s in result.spikes}
    assert set(spikes) == {("kosovo_precedent", "posts"), ("kosovo_precedent", "views")}
    posts = spikes[("kosovo_precedent", "posts")]
    # history: 14 days of 1 post: mean 1, std 0 -> 6 posts are above 1 + 3 x 0
    assert (posts.value, posts.mean, posts.std, posts.threshold, posts.history_days) == (
        6, 1.0, 0.0, 1.0, 14
    )  # fmt: skip
    views = spikes[("kosovo_precedent", "views")]
    assert views.value == 10 + 20 + 30 + 40 + 50 + 60 and views.mean == 10.0
    assert [p["views"] for p in posts.posts] == [60, 50, 40, 30, 20, 10]
    assert posts.posts[0]["account"] == "spike_kanal"


def test_no_spike_below_the_floor_or_within_k(store: Store) -> None:
    _spiky(store, on_day=3)
    floor = Config(alerts=AlertsConfig(min_count=5))
    assert report.alerts(floor, store, "2026-11-20").spikes == []
    loose = Config(alerts=AlertsConfig(min_count=1, k=3))
    assert [s.metric for s in report.alerts(loose, store, "2026-11-20").spikes] == [
        "posts",
        "views",
    ]
    assert report.alerts(loose, store, "2026-11-19").spikes == []  # an ordinary day


class _SMTPServer:
    """A minimal local SMTP server: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.messages: list[dict] = []
        self.auth: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn, conn.makefile("rb") as rf:
            send = lambda line: conn.sendall(line.encode() + b"\r\n")  # noqa: E731
            send("220 localhost test SMTP")
            msg: dict = {"rcpt": []}
            while True:
                line = rf.readline().decode().rstrip("\r\n")
                verb = line.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    conn.sendall(b"250-localhost\r\n250 AUTH PLAIN\r\n")
                elif verb == "AUTH":
                    self.auth.append(base64.b64decode(line.split()[2]).decode())
                    send("235 ok")
                elif verb == "MAIL":
                    msg["from"] = line
                    send("250 ok")
                elif verb == "RCPT":
                    msg["rcpt"].append(line)
                    send("250 ok")
                elif verb == "DATA":
                    send("354 go on")
                    body = []
                    while (chunk := rf.readline()) not in (b".\r\n", b""):
                        body.append(chunk)
                    msg["data"] = b"".join(body).decode("utf-8")
                    self.messages.append(msg)
                    send("250 queued")
                elif verb == "QUIT":
                    send("221 bye")
                    return
                else:
                    send("250 ok")

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.sock.close()


def test_alert_email_goes_to_a_local_smtp_server(store: Store, monkeypatch) -> None:
    server = _SMTPServer()
    monkeypatch.setenv("NARRMON_SMTP_PASSWORD", "s3cret-test")
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        user="alerts",
        sender="narrmon@example.org",
        to=["analyst@example.org", "desk@example.org"],
        starttls=False,
    )
    result = report.alerts(Config(smtp=smtp), _spiky(store), "2026-11-20", send=True)
    server.close()
    assert result.emailed_to == 2
    [msg] = server.messages
    assert len(msg["rcpt"]) == 2 and server.auth == ["\0alerts\0s3cret-test"]
    assert "Subject: narrmon: 2 narrative spike(s) on 2026-11-20" in msg["data"]
    assert "kosovo_precedent: posts 6 > 1.0" in msg["data"]
    assert "s3cret" not in msg["data"]


def test_email_needs_the_password_in_the_environment(sqlite_store: Store, monkeypatch) -> None:
    monkeypatch.delenv("NARRMON_SMTP_PASSWORD", raising=False)
    smtp = SmtpConfig(host="127.0.0.1", port=9, user="u", sender="a@b.c", to=["d@e.f"])
    with pytest.raises(ConfigError, match="NARRMON_SMTP_PASSWORD"):
        report.alerts(Config(smtp=smtp), _spiky(sqlite_store), "2026-11-20", send=True)


def test_cli_alerts_lists_spikes(sqlite_store: Store) -> None:
    _spiky(sqlite_store)
    result = CliRunner().invoke(app, ["alerts", "--date", "2026-11-20", "--db", sqlite_store.url])
    assert result.exit_code == 0, result.output
    assert "2026-11-20 kosovo_precedent: posts 6 > 1.0" in result.output
    assert "spike_kanal (telegram) views 60" in result.output


def test_weekly_pdf_goes_out_as_an_attachment(tmp_path, monkeypatch) -> None:
    from reports.alerts import send_email

    pdf = tmp_path / "narrmon-weekly-2026-W47.pdf"
    pdf.write_bytes(b"%PDF-1.4 test body")
    server = _SMTPServer()
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=server.port,
        sender="n@example.org",
        to=["a@example.org"],
        starttls=False,
    )
    sent = send_email(smtp, "narrmon weekly report 2026-W47", "attached", attachments=[pdf])
    server.close()
    assert sent == 1
    [msg] = server.messages
    assert 'filename="narrmon-weekly-2026-W47.pdf"' in msg["data"]
    assert base64.b64encode(b"%PDF-1.4 test body").decode() in msg["data"].replace("\r\n", "")


def test_spike_figures_are_rounded_once_alike_on_the_page_and_in_alerts(
    sqlite_store: Store, tmp_path
) -> None:
    # 11 days of history with 17 views in all: mean 1.5454…; rounding it to 2 places
    # first (1.55) and then to 1 would show 1.6 on the page against 1.5 in `alerts`
    history = [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1]
    posts, snaps, labels = [], [], {}
    days = [(len(history) - i, [v]) for i, v in enumerate(history)] + [(0, [100] * 6)]
    for back, views in days:
        for i, v in enumerate(views):
            pid = f"600/{back * 10 + i}"
            when = DAY - timedelta(days=back) + timedelta(hours=8 + i)
            posts.append(Post("telegram", pid, "600", when, text=f"Kosovo {i}", source="t"))
            snaps.append(MetricSnapshot("telegram", pid, when + timedelta(hours=1), views=v))
            labels[("telegram", pid)] = {"kosovo_precedent": 0.9}
    sqlite_store.write_batch(posts=posts, snapshots=snaps, source="t")
    add_labels(sqlite_store, "m1", labels, DAY, posts=posts)
    cli = CliRunner().invoke(app, ["alerts", "--date", "2026-11-20", "--db", sqlite_store.url])
    assert cli.exit_code == 0, cli.output
    line = next(x for x in cli.output.splitlines() if ": views 600 >" in x)
    assert "(trailing 11-day mean 1.5, std 0.5)" in line
    html = report.daily_report(Config(), sqlite_store, "2026-11-20", tmp_path)[0]
    page = html.read_text(encoding="utf-8")
    spike = next(x for x in page.split("<li") if "views 600 above" in x)
    threshold = line.split("> ", 1)[1].split(" ", 1)[0]
    assert f"above {threshold}" in spike
    assert "trailing 11-day mean 1.5, std 0.5)" in spike


def test_cli_weekly_report_emails_the_pdf(sqlite_store: Store, tmp_path) -> None:
    _spiky(sqlite_store)
    server = _SMTPServer()
    config = tmp_path / "narrmon.yaml"
    config.write_text(
        f"smtp:\n  host: 127.0.0.1\n  port: {server.port}\n  sender: n@example.org\n"
        "  to: [a@example.org]\n  starttls: false\n",
        encoding="utf-8",
    )
    pdf = tmp_path / "w.pdf"
    args = ["report", "weekly", "--week", "2026-W47", "--out", str(pdf), "--send"]
    result = CliRunner().invoke(app, [*args, "--config", str(config), "--db", sqlite_store.url])
    server.close()
    assert result.exit_code == 0, result.output
    assert "e-mailed to 1 recipient(s)" in result.output
    [msg] = server.messages
    assert "Subject: narrmon weekly report 2026-W47" in msg["data"]
    body = msg["data"].replace("\r\n", "")
    assert base64.b64encode(pdf.read_bytes()[:3000]).decode()[:2000] in body


def test_daily_run_finds_the_spikes_once_for_the_page_and_the_alert(
    sqlite_store: Store, tmp_path, monkeypatch
) -> None:
    import json

    import reports.alerts

    calls = []
    real = reports.alerts.find_spikes

    def counted(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(reports.alerts, "find_spikes", counted)
    server = _SMTPServer()
    smtp = SmtpConfig(
        host="127.0.0.1", port=server.port, sender="n@example.org", to=["a@e.f"], starttls=False
    )
    config = Config(smtp=smtp)
    config.reports.out_dir = str(tmp_path)
    paths, found = report.daily_run(config, _spiky(sqlite_store), "2026-11-20", send=True)
    server.close()
    assert len(calls) == 1
    assert found.emailed_to == 1 and len(server.messages) == 1
    page = json.loads(paths[1].read_text(encoding="utf-8"))
    assert page["spikes"] == [s.as_dict() for s in found.spikes]
    assert [s["label"] for s in page["spikes"]] == ["kosovo_precedent", "kosovo_precedent"]
