import asyncio


class Service:
    async def refresh(self):
        pass


async def main():
    svc = Service()
    pending = getattr(svc, "refresh")()  # expect: AIO100
    await asyncio.sleep(0)
    del pending  # dropped here, but reported where it was created


asyncio.run(main())
