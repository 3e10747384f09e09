"""AIO205: synchronous database, cache and cloud clients in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingDatabase(BlockingCallRule):
    code = "AIO205"
    name = "blocking-database-call"
    summary = "Synchronous database/cache/cloud client call in async code (sqlite3, psycopg2, redis.Redis, pymongo, boto3, ...)"
    why = """
        A synchronous driver waits for the server with the loop's thread:
        every query stalls all tasks. Recognised: `sqlite3` connections and
        cursors, `psycopg2` and sync `psycopg`, `pymysql`, `MySQLdb`,
        `redis.Redis` (sync), `pymongo` clients, databases and collections,
        `boto3` clients and the sync `elasticsearch` client. The receiver's
        class comes from the index: `self.db = sqlite3.connect(...)`, a
        parameter annotated `redis.Redis`, `with psycopg2.connect() as c`.
        `asyncpg`, `redis.asyncio`, `motor`, `aiosqlite` and anything
        awaited are never flagged.
    """
    bad_example = """
        import sqlite3


        class Store:
            def __init__(self, path):
                self.db = sqlite3.connect(path)

            async def get(self, key):
                return self.db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
    """
    good_example = """
        import aiosqlite


        class Store:
            def __init__(self, path):
                self.path = path

            async def get(self, key):
                async with aiosqlite.connect(self.path) as db:
                    async with db.execute("SELECT v FROM kv WHERE k = ?", (key,)) as cur:
                        return await cur.fetchone()
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe: most sync connections are not thread-safe)."
