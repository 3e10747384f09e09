"""AIO210: cheap file-system metadata calls in async code (opt-in)."""
from __future__ import annotations

import ast

from ._blocking import BlockingCallRule, analyse, fix_if_possible, in_quiet_file, left_alone_here, knobs, source


class BlockingFileMetadata(BlockingCallRule):
    code = "AIO210"
    name = "blocking-file-metadata"
    summary = "File-system metadata call in async code (exists, is_file, stat, mkdir, resolve, unlink, ...); opt-in"
    default_enabled = False
    why = """
        A single metadata operation on a local path (`os.path.exists`,
        `Path.is_file`, `os.stat`, `Path.mkdir`, `Path.resolve`,
        `os.remove`, `os.replace`, ...) is a system call that returns in
        microseconds on a local disk, so it is not reported by default
        (AIO203 reports reading and writing file data, and walking
        directories). On a network file system, or in a hot path, even these
        wait on I/O: enable this rule with `--extend-select AIO210` to see
        them. They never make a project helper count as blocking for AIO208
        either, so a chain names the call that costs (`open()`, a
        subprocess), not an `exists()` before it; a helper that does nothing
        but metadata calls is reported here instead, once, at its call
        (like AIO208).
    """
    bad_example = """
        import os


        async def avatar(user):
            if os.path.exists(user.avatar_path):   # AIO210 (opt-in)
                return user.avatar_path
    """
    good_example = """
        import asyncio
        import os


        async def avatar(user):
            if await asyncio.to_thread(os.path.exists, user.avatar_path):
                return user.avatar_path
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe)."
    notes_self_attributes_only = True  # at assignments: the blocking family notes them for it

    def check(self, node, ctx) -> None:
        super().check(node, ctx)
        if type(node) is ast.Call and ctx.in_async and not in_quiet_file(ctx):
            result = analyse(ctx, node)
            if result[0] == "defer" and not left_alone_here(ctx):
                ctx.report_if(("aio210-transitive", result[1], knobs(ctx)), node,
                              fix=fix_if_possible(ctx, self.fix), call=source(node.func))
