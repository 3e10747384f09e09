import asyncio; asyncio.ensure_future(None)
