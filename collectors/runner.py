"""The collect/refresh loop both collectors share: budget, deferral, errors, request count.

A collector supplies the work of one source (read pages, write them); the runner turns
what can go wrong into the source's :class:`SourceResult`: a long rate limit or an
exhausted request budget defers the source (a collect run records it on the cursor, so
the next run waits it out), a platform error or retries given up fail it, and the
requests the source cost are counted whatever happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from collectors.outcome import DEFERRED, SourceResult
from collectors.ratelimit import BudgetExhausted, Clock, Deferred, GaveUp, clock_now
from narrmon.store import Store, collect_state

Requests = Callable[[], int]  # the requests the client has made so far


def run_guarded(
    result: SourceResult,
    work: Callable[[SourceResult], None],
    errors: tuple[type[Exception], ...],
    requests: Requests,
    on_defer: Callable[[datetime | None, str], None] | None = None,
) -> SourceResult:
    """Run ``work(result)``: deferral and ``errors`` end up in ``result``, never raised."""
    start = requests()
    try:
        work(result)
    except Deferred as exc:
        until = None if isinstance(exc, BudgetExhausted) else exc.until
        if on_defer is not None:
            on_defer(until, exc.reason)
        result.defer(exc.reason, until)
    except (*errors, GaveUp) as exc:
        result.fail(str(exc))
    finally:
        result.requests = requests() - start
    return result


def collect_source(
    store: Store,
    clock: Clock,
    result: SourceResult,
    key: str,
    work: Callable[[dict | None, SourceResult], None],
    errors: tuple[type[Exception], ...],
    requests: Requests,
) -> SourceResult:
    """Collect one source whose cursor is ``key``: skipped while an earlier deferral lasts;
    a new deferral is recorded on the cursor. ``work`` gets the cursor state and result."""
    state = collect_state.cursor(store, result.platform, key)
    until = state["deferred_until"] if state else None
    if until is not None and until > clock_now(clock):
        result.defer(state.get("note") or DEFERRED, until)
        result.position = state["position"]
        return result

    def record(until: datetime | None, reason: str) -> None:
        collect_state.defer(store, result.platform, key, until, reason)

    return run_guarded(result, lambda r: work(state, r), errors, requests, record)
