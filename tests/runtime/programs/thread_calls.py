import asyncio
import threading


def worker(loop, fut, task):
    loop.call_soon(print, "hello from thread")  # expect: AIO300
    task.cancel()  # expect: AIO301
    fut.set_result(42)  # expect: AIO301


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    sleeper = asyncio.create_task(asyncio.sleep(10))
    t = threading.Thread(target=worker, args=(loop, fut, sleeper))
    t.start()
    while not fut.done():
        await asyncio.sleep(0.005)
    print("result", await fut)
    try:
        await sleeper
    except asyncio.CancelledError:
        print("sleeper cancelled")
    await asyncio.to_thread(t.join)


asyncio.run(main())
