"""AIO201: blocking HTTP and network clients in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingNetwork(BlockingCallRule):
    code = "AIO201"
    name = "blocking-network-call"
    summary = "Blocking HTTP or socket call in async code (requests, urllib, httpx.Client, socket, smtplib, ...)"
    why = """
        A synchronous network call waits for the remote side with the event
        loop's thread: for the whole round trip (and DNS lookup, TLS
        handshake, retries) no other task runs. Recognised: `requests`
        functions and `Session` methods, `urllib.request.urlopen`, `urllib3`
        pools, the `httpx` sync API and `httpx.Client` methods,
        `http.client` connections, `ftplib`, `smtplib`, `xmlrpc.client`
        proxies, `socket.create_connection`, blocking DNS lookups and
        blocking `socket` object methods. Method calls count when the
        receiver's class is known: `s = requests.Session()`, `with
        httpx.Client() as c`, a parameter annotated `requests.Session`,
        `self.session = requests.Session()` in `__init__`, or a project
        function annotated to return one. `httpx.AsyncClient`, `aiohttp` and
        anything that is awaited are never flagged.
    """
    bad_example = """
        import requests


        async def fetch(url):
            return requests.get(url, timeout=10).json()
    """
    good_example = """
        import asyncio

        import httpx
        import requests


        async def fetch(client: httpx.AsyncClient, url):
            response = await client.get(url, timeout=10)
            return response.json()


        async def fetch_with_sync_client(url):   # or, keeping the sync client
            response = await asyncio.to_thread(requests.get, url, timeout=10)
            return response.json()
    """
    fix_notes = "The call is moved to a worker thread: `await asyncio.to_thread(requests.get, url, timeout=10)` (unsafe: the code now runs in another thread)."
