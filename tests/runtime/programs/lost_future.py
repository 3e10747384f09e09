import asyncio
import gc


def fail_later(fut):
    fut.set_exception(ValueError("nobody listens"))  # expect: AIO402


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fail_later, fut)
    await asyncio.sleep(0.01)
    del fut
    gc.collect()


asyncio.run(main())
