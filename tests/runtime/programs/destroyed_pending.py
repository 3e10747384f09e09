import asyncio
import gc


async def forever(fut):
    await fut


async def main():
    loop = asyncio.get_running_loop()
    asyncio.create_task(forever(loop.create_future()))  # expect: AIO400
    await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0)


asyncio.run(main())
