import asyncio
import sqlite3


async def fetch_order(order_id: int) -> dict:
    await asyncio.sleep(0.01)
    return {"id": order_id, "status": "paid"}


async def save_order(order: dict) -> None:
    await asyncio.sleep(0.01)


def load_settings(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def count_rows() -> int:
    conn = sqlite3.connect("shop.db")
    return conn.execute("select count(*) from orders").fetchone()[0]
