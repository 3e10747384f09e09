import asyncio

import asynclint.runtime
from time import sleep  # bound before install: module globals are rebound

nap = sleep  # another module-level alias: rebound too


def helper(_sleep=sleep):  # default argument: only sys.monitoring sees it
    _sleep(0.001)  # expect-monitoring: AIO200


config = open(__file__)  # opened before the loop: reads are seen by sys.monitoring only
handle = asynclint.runtime.install(monitoring=True)


async def main():
    sleep(0.001)  # expect: AIO200
    nap(0.001)  # expect: AIO200
    helper()
    config.readline()  # expect-monitoring: AIO203


asyncio.run(main())
config.close()
handle.uninstall()
for d in sorted(handle.findings, key=lambda d: d.line):
    print(d.code, d.line)
