from time import sleep
import asyncio


async def main():
    sleep(0.01)  # expect: AIO200
    print("done")


if __name__ == "__main__":
    asyncio.run(main())
