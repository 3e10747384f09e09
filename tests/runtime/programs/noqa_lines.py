import asyncio
import time


async def main():
    time.sleep(0.001)  # noqa: AIO200
    time.sleep(0.001)  # noqa: AIO2
    time.sleep(0.001)  # noqa
    time.sleep(0.001)  # noqa: AIO300  (a different code: still reported)  # expect: AIO200
    time.sleep(0.001)  # expect: AIO200


asyncio.run(main())
