import asyncio
import time


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def slow():
    busy(0.08)  # expect: AIO505


async def crunch():
    busy(0.08)  # expect: AIO505
    await asyncio.sleep(0)


async def main():
    asyncio.get_running_loop().call_soon(slow)
    await asyncio.sleep(0.01)
    await crunch()
    busy(0.01)  # fast enough


asyncio.run(main())
