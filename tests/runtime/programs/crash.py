import asyncio
import sys
import time


async def main():
    time.sleep(0.001)  # expect: AIO200
    print("about to fail", flush=True)
    if sys.argv[1:] == ["interrupt"]:
        raise KeyboardInterrupt
    raise ValueError("boom")


asyncio.run(main())
