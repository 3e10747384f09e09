import asyncio


def job(q, ev):
    q.put_nowait("item")  # expect: AIO302
    ev.set()  # expect: AIO302


async def consumer(q):
    return await q.get()


async def main():
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()
    ev = asyncio.Event()
    task = asyncio.create_task(consumer(q))
    await asyncio.sleep(0)
    await loop.run_in_executor(None, job, q, ev)
    print("got", await asyncio.wait_for(task, 2))


asyncio.run(main())
