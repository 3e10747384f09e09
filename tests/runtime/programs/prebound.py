import asyncio

import asynclint.runtime
from time import sleep  # bound before install: module globals are rebound

nap = sleep  # another module-level alias: rebound too


def helper(_sleep=sleep):  # default argument: only sys.monitoring sees it
    _sleep(0.001)  # expect-monitoring: AIO200


handle = asynclint.runtime.install(monitoring=True)


async def main():
    sleep(0.001)  # expect: AIO200
    nap(0.001)  # expect: AIO200
    helper()


asyncio.run(main())
handle.uninstall()
for d in sorted(handle.findings, key=lambda d: d.line):
    print(d.code, d.line)
