"""A group follows futures of a real Dask cluster (a LocalCluster of worker processes,
started here) on the same display as local tasks. Skipped without the dask group
(`uv sync --group dask`); CI installs it.

The work is built-in functions (`pow`, `operator.truediv`, `time.sleep`), which every worker
process can import.
"""

from __future__ import annotations

import concurrent.futures
import io
import operator
import time
from collections.abc import Iterator
from typing import Any

import pytest

import twirly
from tests.group.screen import Display

distributed = pytest.importorskip("distributed", reason="needs the dask dependency group")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _settled(group: Any, display: Display | None = None, total: int = 0) -> None:
    """Wait until the group has heard of every future's end (dask calls back from a thread
    of its own), ticking the display meanwhile."""
    deadline = time.monotonic() + 30
    while group.counts["running"] or sum(group.counts.values()) < total:
        assert time.monotonic() < deadline, group.counts
        if display is not None:
            display.tick()
        time.sleep(0.01)


def test_cluster_futures_and_local_tasks_share_one_display(client: Any) -> None:
    display = Display(100, 24)
    with (
        display.group("Mixed", show_after=0) as g,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        remote = [g.watch(client.submit(pow, 2, n, pure=False), title=f"pow {n}") for n in range(6)]
        broken = [
            g.watch(client.submit(operator.truediv, n, 0, pure=False), title=f"divide {n}")
            for n in (1, 2)
        ]
        local = g.submit(pool, sum, range(10), title="local sum")
        with g.task("manual step") as row:
            row.text = "waiting for the cluster"
            distributed.wait(remote + broken)
        assert [future.result() for future in remote] == [2**n for n in range(6)]
        assert local.result() == 45
        _settled(g, display, total=10)
        display.tick()
    assert g.counts["done"] == 8  # 6 remote, 1 local, 1 manual
    assert g.counts["failed"] == 2
    everything = display.everything()
    for n in (1, 2):
        assert everything.count(f"✖ divide {n}: ZeroDivisionError: division by zero") == 1
    assert everything[-1].startswith("Mixed  8 done · 2 failed · 0:0")
    assert not display.screen.cursor.hidden


def test_off_a_terminal_the_same_counts_in_plain_lines(client: Any) -> None:
    stream = io.StringIO()
    with twirly.group("Cluster", stream=stream, heartbeat=0) as g:
        futures = [
            g.watch(client.submit(pow, 3, n, pure=False), title=f"pow {n}") for n in range(4)
        ]
        futures.append(g.watch(client.submit(operator.truediv, 1, 0, pure=False), title="divide"))
        distributed.wait(futures)
        _settled(g, total=5)
    text = stream.getvalue()
    assert "\x1b" not in text
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "Cluster"
    assert "FAIL divide: ZeroDivisionError: division by zero" in lines
    assert lines[-1].startswith("Cluster  4 done, 1 failed, 0:0")


def test_a_cancelled_cluster_future_is_counted_as_cancelled(client: Any) -> None:
    with twirly.group("Cancel", stream=io.StringIO(), heartbeat=0) as g:
        future = g.watch(client.submit(time.sleep, 30, pure=False), title="long")
        future.cancel()
        _settled(g, total=1)
    assert g.counts["cancelled"] == 1
    assert g.counts["failed"] == 0


def test_waiting_in_a_task_on_a_cancelled_cluster_future_is_a_cancellation(client: Any) -> None:
    # dask raises its own FutureCancelledError (a CancelledError under another name) from
    # result(): the row that waited is cancelled, not failed.
    with twirly.group("Cancel", stream=io.StringIO(), heartbeat=0) as g:
        future = client.submit(time.sleep, 30, pure=False)
        future.cancel()
        with pytest.raises(distributed.client.FutureCancelledError), g.task("wait for it"):
            future.result(timeout=30)
    assert g.counts["cancelled"] == 1
    assert g.counts["failed"] == 0
