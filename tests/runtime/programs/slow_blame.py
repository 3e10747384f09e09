import asyncio
import time


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def quick_helper():
    await asyncio.sleep(0)


async def main():
    busy(0.3)  # expect: AIO505
    await quick_helper()


asyncio.run(main())
