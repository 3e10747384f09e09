import asyncio
import concurrent.futures
import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
db = sqlite3.connect(":memory:")
lock = threading.Lock()
event = threading.Event()
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()


def read_config():
    with open(__file__) as fh:  # expect: AIO203
        return fh.readline()


async def main():
    read_config()
    subprocess.run([sys.executable, "-c", "pass"])  # expect: AIO202
    db.execute("select 1").fetchall()  # expect: AIO205
    threading.Timer(0.02, lock.release).start()
    with lock:  # expect: AIO204
        pass
    threading.Timer(0.02, event.set).start()
    event.wait(1)  # expect: AIO204
    line = input()  # expect: AIO207
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(time.sleep, 0.02).result()  # expect: AIO204
    socket.getaddrinfo("127.0.0.1", 80)  # expect: AIO201
    http.client.HTTPConnection(*srv.getsockname()).connect()  # expect: AIO201
    print("read", line)


lock.acquire()
asyncio.run(main())
