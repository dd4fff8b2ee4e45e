"""Dynamic batching: concurrent requests that arrive within a short window run as one batch,
as production servers (Triton, TorchServe) do.

A request's items join a queue; one worker task takes the first waiting request, keeps
collecting until ``max_batch`` items or ``window_ms`` have passed, runs the model once on the
concatenation (in a thread, so the event loop keeps accepting requests), and hands each
request its slice of the output.
"""
import asyncio
import time

import numpy as np


class DynamicBatcher:
    """Run the requests arriving within ``window_ms`` (up to ``max_batch`` items) as one call."""

    def __init__(self, model, window_ms=5.0, max_batch=64, on_batch=None):
        self.model = model
        self.window = window_ms / 1000.0
        self.max_batch = max_batch
        self.on_batch = on_batch
        self.queue = asyncio.Queue()
        self._task = None

    def start(self):
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._worker())

    async def stop(self):
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def submit(self, batch):
        """Queue ``batch`` (N, ...) and wait for its outputs."""
        self.start()
        fut = asyncio.get_running_loop().create_future()
        await self.queue.put((batch, fut))
        return await fut

    async def _worker(self):
        loop = asyncio.get_running_loop()
        while True:
            items = [await self.queue.get()]
            n = len(items[0][0])
            deadline = time.perf_counter() + self.window
            while n < self.max_batch:
                timeout = deadline - time.perf_counter()
                if timeout <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(self.queue.get(), timeout)
                except asyncio.TimeoutError:
                    break
                items.append(nxt)
                n += len(nxt[0])
            batch = np.concatenate([b for b, _ in items]) if len(items) > 1 else items[0][0]
            try:
                out = await loop.run_in_executor(None, self.model.predict, batch)
            except Exception as e:  # a model failure fails these requests, not the server
                for _, fut in items:
                    if not fut.done():
                        fut.set_exception(e)
                continue
            if self.on_batch is not None:
                self.on_batch(len(batch))
            start = 0
            for b, fut in items:
                if not fut.done():
                    fut.set_result(out[start:start + len(b)])
                start += len(b)
