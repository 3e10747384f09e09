import asyncio
import time


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def slow():  # expect: AIO505
    busy(0.08)


async def crunch():  # expect: AIO505
    busy(0.08)
    await asyncio.sleep(0)


async def main():
    asyncio.get_running_loop().call_soon(slow)
    await asyncio.sleep(0.01)
    await crunch()
    busy(0.01)  # fast enough


asyncio.run(main())
