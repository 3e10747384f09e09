import asyncio
import time


async def nap(how_long):
    time.sleep(how_long)  # raises inside the shim's patched sleep


async def main():
    await asyncio.create_task(nap("soon"))


asyncio.run(main())
