"""A small chat server with the usual task bugs (run ``mypy-dangling examples/``).

The findings are marked ``# finding``; everything else must stay silent.  There are
also a few ordinary type errors: mypy-dangling does not print those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def greet(self) -> None:
        self.writer.write(b"hello\n")
        await self.writer.drain()

    async def pump(self) -> None:
        while line := await self.reader.readline():
            self.writer.write(line)

    def start(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        """Logs errors, but keeps nothing: the task holds the callback, not the reverse."""
        task = asyncio.ensure_future(coro)
        task.add_done_callback(self._log_errors)
        return task

    def _log_errors(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception():
            print("failed:", task.exception())


class Hub:
    """Keeps every task it starts, so callers may drop what ``spawn`` returns."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class Server:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.port: int = "8080"  # an unrelated type error: not printed

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(reader, writer)
        asyncio.create_task(conn.greet())  # finding: dangling-task
        heartbeat = asyncio.create_task(self.heartbeat(conn))  # finding: unused-task
        asyncio.get_running_loop().run_in_executor(None, print, "accepted")  # finding
        self.hub.spawn(conn.pump())  # silent: the hub keeps its tasks
        conn.start(conn.greet())  # finding: start() returns a task it does not keep
        watchdog = asyncio.create_task(self.heartbeat(conn))  # finding: never kept
        watchdog.add_done_callback(print)
        await conn.pump()

    async def heartbeat(self, conn: Connection) -> None:
        while True:
            conn.writer.write(b"ping\n")
            await asyncio.sleep(30)

    async def broadcast(self, conns: list[Connection]) -> None:
        async with asyncio.TaskGroup() as group:  # silent: the group keeps its tasks
            for conn in conns:
                group.create_task(conn.greet())

    async def serve(self) -> None:
        server = await asyncio.start_server(self.handle, port=self.port)
        await server.serve_forever(42)  # an unrelated type error: not printed
