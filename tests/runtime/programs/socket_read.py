import asyncio
import socket

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
client = socket.socket()
client.connect(srv.getsockname())
conn, _ = srv.accept()
client.sendall(b"hello")


async def main():
    data = conn.recv(5)  # expect: AIO201
    print(data.decode())


asyncio.run(main())
for s in (conn, client, srv):
    s.close()
