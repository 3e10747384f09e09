import asyncio
import threading


def worker(loop, fut):
    loop.call_soon(print, "hello from thread")  # expect: AIO300
    fut.set_result(42)  # expect: AIO301


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    t = threading.Thread(target=worker, args=(loop, fut))
    t.start()
    while not fut.done():
        await asyncio.sleep(0.005)
    print("result", await fut)
    await asyncio.to_thread(t.join)


asyncio.run(main())
