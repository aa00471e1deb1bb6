"""Writers take turns: a first-come, first-served queue for one process's SQLite writers.

SQLite lets one writer at a time hold the file; a writer that finds it busy sleeps and
polls (up to 100 ms between tries), so under steady load a newcomer can grab the lock
before one that has waited for seconds ("database is locked" after busy_timeout, for the
unlucky one). Within a process, the writers of Database.transaction queue here instead:
each is woken as soon as the previous one has committed, in the order they came.
Other processes still meet at SQLite's own lock (busy_timeout).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class WriterQueue:
    """A fair, re-entrant (per thread) lock for write transactions."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._condition = threading.Condition()
        self._waiting: deque[object] = deque()
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn (at most `timeout` seconds; after that go anyway and
        let SQLite's busy_timeout decide), hold it for the block, then wake the next."""
        held = self._acquire()
        try:
            yield
        finally:
            if held:
                self._release()

    def _acquire(self) -> bool:
        me = threading.get_ident()
        with self._condition:
            if self._owner == me:
                self._depth += 1
                return True
            ticket = object()
            self._waiting.append(ticket)
            mine = self._condition.wait_for(
                lambda: self._owner is None and self._waiting[0] is ticket, self.timeout)
            if not mine:
                self._waiting.remove(ticket)
                self._condition.notify_all()  # the next in line may be free to go now
                return False
            self._waiting.popleft()
            self._owner, self._depth = me, 1
            return True

    def _release(self) -> None:
        with self._condition:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._condition.notify_all()
