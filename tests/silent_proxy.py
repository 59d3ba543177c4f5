"""A TCP proxy on 127.0.0.1 for database fault tests, on an asyncio loop of its own thread.

- :meth:`SilentProxy.silence`: connections stay open and new ones are accepted, but nothing is
  forwarded either way — a database that accepts connections and never answers.
- :meth:`SilentProxy.cut`: every connection is dropped and new ones are refused at once (the
  port stays taken), a database host that went away.
- :meth:`SilentProxy.resume`: forwarding again for new connections (connections opened while
  silent or before stay dead, as a real blackout leaves them).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class SilentProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "forward"
        self._writers: set[asyncio.StreamWriter] = set()
        self._stale: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        started.wait(10)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()
        # closed: end the connections' tasks here, not as "destroyed but pending" at exit
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # the proxy closed: done, not failed
            await self._serve(reader, writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.mode == "cut":
            writer.close()
            return
        if self.mode == "silent":  # hold it open, say nothing, read nothing
            self._stale.add(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        await asyncio.gather(
            self._pump(reader, up_writer, writer), self._pump(up_reader, writer, up_writer)
        )

    async def _pump(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, own: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await source.read(65536):
                while self.mode == "silent" or own in self._stale or sink in self._stale:
                    if self.mode == "cut":
                        raise ConnectionError
                    await asyncio.sleep(0.05)  # held: no byte goes through, the socket stays
                if self.mode == "cut":
                    raise ConnectionError
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (sink, own):
                with contextlib.suppress(Exception):
                    w.close()

    def _set(self, mode: str) -> None:
        def apply() -> None:
            if mode == "silent":
                self._stale |= self._writers  # every connection open now stays silent for good
            if mode == "cut":
                for w in self._writers:
                    with contextlib.suppress(Exception):
                        w.transport.abort()
                self._writers.clear()
            self.mode = mode

        done = threading.Event()
        self.loop.call_soon_threadsafe(lambda: (apply(), done.set()))
        done.wait(10)

    def silence(self) -> None:
        self._set("silent")

    def cut(self) -> None:
        self._set("cut")

    def resume(self) -> None:
        self._set("forward")

    def close(self) -> None:
        self._set("cut")
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
