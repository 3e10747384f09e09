import asyncio
import threading
import time

from . import save_order
from .db import count_rows, fetch_order, load_settings


class OrderService:
    def __init__(self) -> None:
        self.loop = asyncio.get_event_loop()
        self.ready = asyncio.Event()

    async def handle(self, order_id: int) -> dict:
        order = await fetch_order(order_id)
        save_order(order)
        asyncio.create_task(self.audit(order))
        time.sleep(0.5)
        settings = load_settings("settings.ini")
        loop = asyncio.get_event_loop()
        rows = await loop.run_in_executor(None, count_rows)
        return {"order": order, "settings": settings, "rows": rows}

    async def audit(self, order: dict) -> None:
        try:
            await asyncio.sleep(1)
        except BaseException:
            print("audit interrupted")
        await save_order(order)

    def start_watcher(self) -> None:
        threading.Thread(target=self._watch).start()

    def _watch(self) -> None:
        self.ready.set()
        self.loop.call_soon(print, "watcher started")


async def main() -> None:
    service = OrderService()
    await service.handle(1)
    await asyncio.wait_for(service.audit({}), timeout=5)


if __name__ == "__main__":
    asyncio.run(main())
