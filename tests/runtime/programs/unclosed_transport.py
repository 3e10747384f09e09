import asyncio
import gc


async def handle(reader, writer):
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    addr = server.sockets[0].getsockname()[:2]
    reader, writer = await asyncio.open_connection(*addr)  # expect: AIO506
    await reader.read()
    del reader, writer
    gc.collect()
    server.close()
    await server.wait_closed()


asyncio.run(main())
