import asyncio

async def bug():
    raise Exception("not consumed")

async def main():
    asyncio.create_task(bug())  # expect: AIO402

asyncio.run(main())
