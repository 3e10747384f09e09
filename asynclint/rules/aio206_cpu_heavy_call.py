"""AIO206: CPU-heavy calls in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class CpuHeavyCall(BlockingCallRule):
    code = "AIO206"
    name = "cpu-heavy-call"
    summary = "CPU-heavy call in async code (password hashing, compression)"
    why = """
        "Blocking (CPU-bound) code should not be called directly" (asyncio
        guide, "Running Blocking Code"): password hashing
        (`hashlib.pbkdf2_hmac`, `hashlib.scrypt`, `bcrypt`, `argon2`,
        `passlib`), whole-buffer compression (`zlib`, `gzip`, `bz2`, `lzma`
        `compress`/`decompress`) and RSA/DSA key generation take from
        milliseconds to seconds, and the loop runs nothing else meanwhile.
        Run them in a process pool (`loop.run_in_executor(pool, ...)` with a
        `ProcessPoolExecutor`, or an `InterpreterPoolExecutor` on Python
        3.14+); a thread helps only for the calls that release the GIL.
    """
    bad_example = """
        import bcrypt


        async def register(user, password):
            user.hash = bcrypt.hashpw(password, bcrypt.gensalt())
    """
    good_example = """
        import asyncio
        from concurrent.futures import ProcessPoolExecutor

        import bcrypt


        async def register(user, password, pool: ProcessPoolExecutor):
            loop = asyncio.get_running_loop()
            user.hash = await loop.run_in_executor(pool, bcrypt.hashpw, password, bcrypt.gensalt())
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe; a process pool is better for pure-Python work)."
