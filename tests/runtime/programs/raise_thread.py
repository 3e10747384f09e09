import asyncio


def worker(loop):
    try:
        loop.call_soon(print, "never")  # expect: AIO300
    except RuntimeError as e:
        print("worker caught", type(e).__name__)


async def main():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, worker, loop)


asyncio.run(main())
