import asyncio
import sqlite3

conn = sqlite3.connect(":memory:")
conn.execute("create table t (x)")


def query(sql):
    return conn.execute(sql)  # expect: AIO205


async def main():
    cur = query("select 1")
    print(type(cur).__module__, type(cur).__name__)
    rows = cur.fetchall()  # expect: AIO205
    conn.executemany("insert into t values (?)", [(1,)]).fetchall()  # expect: AIO205
    await asyncio.to_thread(lambda: sqlite3.connect(":memory:").execute("select 2").fetchall())
    print(rows)


asyncio.run(main())
