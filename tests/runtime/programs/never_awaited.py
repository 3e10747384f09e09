import asyncio

async def test():
    print("never scheduled")

async def main():
    test()  # expect: AIO100

asyncio.run(main())
