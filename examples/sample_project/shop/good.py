"""The same work done right: asynclint stays quiet here."""
import asyncio
import threading

from .db import count_rows, fetch_order, load_settings, save_order

background_tasks: set = set()


class OrderService:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ready = asyncio.Event()

    async def handle(self, order_id: int) -> dict:
        order = await fetch_order(order_id)
        await save_order(order)
        task = asyncio.create_task(self.audit(order))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
        await asyncio.sleep(0.5)
        settings = await asyncio.to_thread(load_settings, "settings.ini")
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, count_rows)
        return {"order": order, "settings": settings, "rows": rows}

    async def audit(self, order: dict) -> None:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            print("audit interrupted")
            raise
        await save_order(order)

    def start_watcher(self) -> None:
        threading.Thread(target=self._watch).start()

    def _watch(self) -> None:
        self.loop.call_soon_threadsafe(self.ready.set)
        self.loop.call_soon_threadsafe(print, "watcher started")
