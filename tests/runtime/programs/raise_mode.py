import asyncio
import time


async def main():
    try:
        time.sleep(0.001)  # expect: AIO200
    except RuntimeError as e:
        print("caught", type(e).__name__)
    time.sleep(0.001)  # expect: AIO200


asyncio.run(main())
