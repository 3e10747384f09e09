import asyncio
import time

import asynclint.runtime


async def main():
    time.sleep(0.001)


with asynclint.runtime.watch(select="AIO2") as findings:
    asyncio.run(main())
print([(d.code, d.line, d.source) for d in findings])
handle = asynclint.runtime.install()
asyncio.run(main())
handle.uninstall()
asyncio.run(main())  # not recorded: uninstalled
print([(d.code, d.line) for d in handle.findings])
print(time.sleep.__module__, time.sleep.__name__)
