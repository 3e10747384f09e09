import asyncio


async def child():
    await asyncio.sleep(0)


async def main():
    named = asyncio.create_task(child(), name="custom")
    auto = asyncio.ensure_future(child())
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fut.set_result, "ok")
    print(asyncio.current_task().get_name(), named.get_name(), auto.get_name())
    print(type(auto).__name__, type(fut).__name__, repr(fut)[:15], await fut)
    await asyncio.gather(named, auto)


asyncio.run(main())
