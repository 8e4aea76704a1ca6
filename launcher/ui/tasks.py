"""Run blocking calls (AppStream requests, botocore data loads) off the GUI thread.

`TaskRunner.submit` runs a callable on a thread pool and calls back on the GUI thread with its
result or with an `AppStreamError`. Every task belongs to a channel, such as "stacks" or
"fleets". A newer task on the same channel supersedes the older one, and `cancel` drops a
channel's pending result, so a list that the user has moved away from is never shown.

`TaskRunner.submit_background` does the same for prefetches. At most
MAX_BACKGROUND_TASKS of them run at a time in the whole process, and the others wait in a
queue, so prefetches always leave worker threads free for the lists the user waits for.

Workers never touch widgets: they only run the callable and emit a queued signal that the
runner, which lives on the GUI thread, receives.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from launcher.appstream.errors import AppStreamError, ErrorKind

log = logging.getLogger(__name__)

# Enough for the lists that load together (regions, stacks, fleets, applications), a Generate
# request and the background prefetches, so one slow request never queues the others behind it.
MAX_WORKER_THREADS = 8
# Prefetches that may run at once; MAX_WORKER_THREADS minus this is left for the other tasks.
MAX_BACKGROUND_TASKS = 3

_pool: QThreadPool | None = None


def _shared_pool() -> QThreadPool:
    """Return the pool every runner uses.

    The pool is never deleted before the process exits, because QThreadPool's destructor waits
    without a bound for running workers, and a worker can sit in a network read for as long as
    the botocore read timeout.
    """
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(MAX_WORKER_THREADS)
    return _pool


@dataclass
class _Task:
    task_id: int
    channel: str
    function: Callable[[], Any]
    on_result: Callable[[Any], None]
    on_error: Callable[[AppStreamError], None] | None
    on_progress: Callable[[Any], None] | None = None
    # Set on the GUI thread; workers only read it, so a plain bool is enough under the GIL.
    cancelled: bool = False


class _Relay(QObject):
    """Carries a finished task's outcome from a worker thread to the runner.

    The relay has no Qt parent, so workers keep it alive through their Python reference until
    they have emitted, even when the runner's window is already gone.
    """

    finished = Signal(int, bool, object)
    progress = Signal(int, object)


class _BackgroundQueue:
    """Starts background tasks on the pool, at most `limit` at a time, in the order submitted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._waiting: collections.deque[Callable[[], None]] = collections.deque()
        self._running = 0

    def start(self, pool: QThreadPool, work: Callable[[], None]) -> None:
        with self._lock:
            if self._running >= self.limit:
                self._waiting.append(work)
                return
            self._running += 1
        pool.start(self._wrap(pool, work))

    def _wrap(self, pool: QThreadPool, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            finally:
                self._start_next(pool)

        return run

    def _start_next(self, pool: QThreadPool) -> None:
        with self._lock:
            if not self._waiting:
                self._running -= 1
                return
            work = self._waiting.popleft()
        pool.start(self._wrap(pool, work))


_background = _BackgroundQueue(MAX_BACKGROUND_TASKS)


class _WorkerCounter:
    """Count of submitted tasks whose worker has not returned, with a condition to wait on."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.active = 0


# Counts the workers of every runner, so tests can check that none is left running.
_all_workers = _WorkerCounter()


def active_worker_count() -> int:
    """Return the number of workers of all runners that have not returned yet."""
    with _all_workers.condition:
        return _all_workers.active


class TaskRunner(QObject):
    """Submits callables to a thread pool and delivers their outcome on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = _shared_pool()
        self._relay = _Relay()
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._relay.progress.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)
        self._counter = _WorkerCounter()
        self._tasks: dict[int, _Task] = {}
        self._latest: dict[str, int] = {}
        self._next_id = 1
        self._closed = False

    def submit(
        self,
        channel: str,
        function: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[AppStreamError], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> int:
        """Run `function` on a worker and return the task id.

        `on_result(value)` or `on_error(error)` is called on the GUI thread, unless a later
        `submit` on the same channel, `cancel(channel)` or `shutdown()` came first. An
        exception other than AppStreamError is logged and delivered as an AppStreamError.
        With `on_progress`, `function` is called with a `report(value)` callable instead of no
        argument, and each reported value reaches `on_progress` on the GUI thread, in order,
        before the result.
        """
        return self._submit(channel, function, on_result, on_error, background=False, on_progress=on_progress)

    def submit_background(
        self,
        channel: str,
        function: Callable[[], Any],
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[AppStreamError], None] | None = None,
    ) -> int:
        """Run `function` as a background task, such as a prefetch, and return the task id.

        Channels, callbacks, `cancel` and `shutdown` work as for `submit`, but the task waits in
        a queue while MAX_BACKGROUND_TASKS others run. A failure without `on_error` is logged.
        """
        return self._submit(channel, function, on_result or _ignore_result, on_error, background=True)

    def _submit(
        self,
        channel: str,
        function: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[AppStreamError], None] | None,
        *,
        background: bool,
        on_progress: Callable[[Any], None] | None = None,
    ) -> int:
        if self._closed:
            raise RuntimeError("TaskRunner.submit called after shutdown")

        previous = self._latest.get(channel)
        if previous is not None:
            self._drop(previous)

        task = _Task(self._next_id, channel, function, on_result, on_error, on_progress)
        if on_progress is not None:
            task.function = partial(function, partial(_report_progress, task, self._relay))
        self._next_id += 1
        self._tasks[task.task_id] = task
        self._latest[channel] = task.task_id

        counter = self._counter
        for worker_counter in (counter, _all_workers):
            with worker_counter.condition:
                worker_counter.active += 1
        relay = self._relay
        work = lambda: _run_task(task, relay, counter)  # noqa: E731
        if background:
            _background.start(self._pool, work)
        else:
            self._pool.start(work)
        log.debug("Submitted %stask %d on channel %s", "background " if background else "", task.task_id, channel)
        return task.task_id

    def cancel(self, channel: str) -> None:
        """Drop the pending result of `channel`. A worker that has not started skips its call."""
        task_id = self._latest.pop(channel, None)
        if task_id is not None:
            self._drop(task_id)

    def cancel_all(self) -> None:
        for channel in list(self._latest):
            self.cancel(channel)

    def is_pending(self, channel: str) -> bool:
        """Return True while the latest task of `channel` has not delivered its outcome."""
        return channel in self._latest

    def active_count(self) -> int:
        """Return the number of submitted tasks whose worker has not returned yet."""
        with self._counter.condition:
            return self._counter.active

    def wait_for_done(self, timeout_ms: int) -> bool:
        """Block up to `timeout_ms` until no worker of this runner runs; return True if none does.

        This does not process Qt events, so results are delivered after it returns.
        """
        deadline = time.monotonic() + max(timeout_ms, 0) / 1000
        counter = self._counter
        with counter.condition:
            while counter.active > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                counter.condition.wait(remaining)
        return True

    def shutdown(self, timeout_ms: int = 0) -> bool:
        """Drop every pending result, refuse new tasks, and wait up to `timeout_ms` for workers.

        Returns True when no worker is running any more. Workers that are still in a network
        call finish in the background, and their results are dropped.
        """
        self._closed = True
        self.cancel_all()
        finished = self.wait_for_done(timeout_ms)
        if not finished:
            log.info("%d background request(s) still running; their results will be dropped", self.active_count())
        return finished

    def _drop(self, task_id: int) -> None:
        task = self._tasks.pop(task_id, None)
        if task is not None:
            task.cancelled = True
            log.debug("Dropped task %d on channel %s", task_id, task.channel)

    @Slot(int, bool, object)
    def _deliver(self, task_id: int, succeeded: bool, payload: object) -> None:
        task = self._tasks.pop(task_id, None)
        if task is None or task.cancelled:
            log.debug("Ignored the outcome of superseded task %d", task_id)
            return
        if self._latest.get(task.channel) == task_id:
            del self._latest[task.channel]

        if succeeded:
            task.on_result(payload)
        elif task.on_error is not None:
            task.on_error(payload)  # type: ignore[arg-type]
        else:
            log.warning("Task on channel %s failed: %s", task.channel, getattr(payload, "message", payload))


    @Slot(int, object)
    def _deliver_progress(self, task_id: int, value: object) -> None:
        task = self._tasks.get(task_id)
        if task is None or task.cancelled or task.on_progress is None:
            return
        task.on_progress(value)


def _ignore_result(_value: object) -> None:
    pass


def _report_progress(task: _Task, relay: _Relay, value: object) -> None:
    """Post a progress value of a running task to the GUI thread (called on the worker)."""
    if not task.cancelled:
        _emit(task, relay.progress, task.task_id, value)


def _emit(task: _Task, signal, *values: object) -> None:
    """Emit a relay signal, unless the task was cancelled or Qt has already deleted the relay at exit."""
    if task.cancelled:
        return
    try:
        signal.emit(*values)
    except RuntimeError as error:
        # A worker that outlives the QApplication (its request ran past the exit wait) has nowhere to report.
        log.debug("Dropped the outcome of task %d on channel %s: %s", task.task_id, task.channel, error)


def _run_task(task: _Task, relay: _Relay, counter: _WorkerCounter) -> None:
    """Run one task on a worker thread and post its outcome to the GUI thread."""
    try:
        if task.cancelled:
            return
        try:
            value = task.function()
        except AppStreamError as error:
            _emit(task, relay.finished, task.task_id, False, error)
        except Exception as error:  # noqa: BLE001 - a worker must never let an exception escape into Qt
            log.exception("Background task on channel %s failed unexpectedly", task.channel)
            wrapped = AppStreamError(f"Unexpected error: {type(error).__name__}: {error}", ErrorKind.OTHER)
            _emit(task, relay.finished, task.task_id, False, wrapped)
        else:
            _emit(task, relay.finished, task.task_id, True, value)
    finally:
        for worker_counter in (counter, _all_workers):
            with worker_counter.condition:
                worker_counter.active -= 1
                worker_counter.condition.notify_all()
