import asyncio
import threading

lock = threading.Lock()
shared = threading.Lock()


async def holder():
    with lock:  # held across the await below
        await asyncio.sleep(0.3)


async def waiter():
    # blocks the loop thread while holder() sleeps holding the lock: with a
    # plain `with lock:` this would be a deadlock; the timeout ends it
    if lock.acquire(timeout=0.05):  # expect: AIO600
        lock.release()


async def careful():
    with shared:  # released before the await: fine
        pass
    await asyncio.sleep(0)


def in_thread():
    with shared:
        pass


async def main():
    task = asyncio.create_task(holder())
    await asyncio.sleep(0)
    await waiter()
    await task
    await careful()
    await asyncio.to_thread(in_thread)
    await asyncio.gather(careful(), careful())


asyncio.run(main())
