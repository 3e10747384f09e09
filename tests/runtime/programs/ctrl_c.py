import asyncio
import time


async def main():
    time.sleep(0.001)  # expect: AIO200
    print("ready", flush=True)
    await asyncio.sleep(30)  # interrupted by the test with SIGINT


asyncio.run(main())
