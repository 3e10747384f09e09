import asyncio
import time


class Retry:
    pause = time.sleep  # a class attribute: must not turn into a bound method


async def work():
    time.sleep(0.01)  # expect: AIO200
    Retry().pause(0.001)  # expect: AIO200
    await asyncio.sleep(0)


async def main():
    await asyncio.create_task(work())
    time.sleep(0)  # zero: not a blocking sleep
    print("done")


asyncio.run(main())
