import asyncio
import concurrent.futures
import sys
import time


def worker(loop, fut, q):
    loop.call_soon_threadsafe(print, "threadsafe callback")
    loop.call_soon_threadsafe(fut.set_result, 42)
    loop.call_soon_threadsafe(q.put_nowait, "item")
    cf = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, "coro result"), loop)
    print(cf.result(2))


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    q = asyncio.Queue()
    await asyncio.to_thread(time.sleep, 0.01)
    await loop.run_in_executor(None, worker, loop, fut, q)
    print("fut", await fut, "queue", await q.get())
    ev = asyncio.Event()
    loop.call_soon(ev.set)
    await ev.wait()
    async with asyncio.TaskGroup() as tg:
        t = tg.create_task(asyncio.sleep(0.001, "tg"))
    print(t.result())
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        print(await asyncio.wrap_future(pool.submit(sum, [1, 2, 3])))
    r, w = await asyncio.open_connection(*server_addr)
    w.write(b"ping\n")
    print((await r.readline()).decode().strip())
    w.close()
    await w.wait_closed()


async def handle(reader, writer):
    writer.write(await reader.readline())
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def runner():
    global server_addr
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    server_addr = server.sockets[0].getsockname()[:2]
    async with server:
        await main()


asyncio.run(runner())
sys.exit(3)
