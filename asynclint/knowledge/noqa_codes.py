"""Other linters' codes for the same mistakes: a `# noqa` with one of them
also silences the matching asynclint finding on that line (the setting
`foreign-noqa = false` turns this off). Each row: the ruff / flake8-async
code -> the asynclint codes that report the same thing at the same place.

Only same-line, same-mistake pairs: ruff and flake8-async look at calls made
directly in `async def`, so their codes map to the direct AIO2 rules, never
to AIO208 (a helper's blocking call, which they do not see).
"""
from __future__ import annotations

FOREIGN_NOQA = {
    # flake8-async (ruff implements the same codes)
    "ASYNC103": ("AIO404",),  # cancellation caught and not re-raised
    "ASYNC104": ("AIO404",),  # cancellation not re-raised
    "ASYNC110": ("AIO503",),  # busy wait: `while ...: await sleep()`
    "ASYNC210": ("AIO201",),  # blocking HTTP call
    "ASYNC211": ("AIO201",),  # blocking HTTP call on a urllib3 pool
    "ASYNC212": ("AIO201",),  # blocking HTTP call on an httpx client
    "ASYNC220": ("AIO202",),  # subprocess.Popen and friends
    "ASYNC221": ("AIO202",),  # subprocess.run and friends
    "ASYNC222": ("AIO202",),  # os.wait and friends
    "ASYNC230": ("AIO203",),  # open()
    "ASYNC231": ("AIO203",),  # os.fdopen()
    "ASYNC232": ("AIO203",),  # a blocking method of a file object
    "ASYNC240": ("AIO210",),  # os.path functions
    "ASYNC250": ("AIO207",),  # input()
    "ASYNC251": ("AIO200",),  # time.sleep()
    "ASYNC300": ("AIO400",),  # asyncio.create_task() result not kept
    # ruff
    "RUF006": ("AIO400",),  # asyncio-dangling-task
}

# ruff's names for those of its rules, which its own suppression comment
# accepts as well as the codes (`# ruff: ignore[async-busy-wait]`, ruff
# 0.15.22 and later).
RUFF_RULE_NAMES = {
    "async-busy-wait": "ASYNC110",
    "blocking-http-call-in-async-function": "ASYNC210",
    "blocking-http-call-httpx-in-async-function": "ASYNC212",
    "create-subprocess-in-async-function": "ASYNC220",
    "run-process-in-async-function": "ASYNC221",
    "wait-for-process-in-async-function": "ASYNC222",
    "blocking-open-call-in-async-function": "ASYNC230",
    "blocking-path-method-in-async-function": "ASYNC240",
    "blocking-input-in-async-function": "ASYNC250",
    "blocking-sleep-in-async-function": "ASYNC251",
    "asyncio-dangling-task": "RUF006",
}
