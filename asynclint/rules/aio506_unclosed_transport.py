"""AIO506: a transport or stream writer was garbage-collected unclosed (runtime shim only)."""
from ..diagnostics import Severity
from .base import Rule


class UnclosedTransport(Rule):
    code = "AIO506"
    name = "unclosed-transport"
    summary = "A transport or StreamWriter was garbage-collected without close() (runtime shim)"
    message = "{reason}"
    severity = Severity.WARNING
    runtime_only = True
    why = """
        An unclosed transport leaks its socket until the garbage collector
        finds it, and asyncio then emits a `ResourceWarning` that is hidden by
        default (the asyncio guide suggests `-W default`). The runtime shim
        turns it into a finding at the line that opened the connection.
    """
    bad_example = """
        async def ping(host):
            reader, writer = await asyncio.open_connection(host, 80)
            writer.write(b"PING\\r\\n")
            return await reader.readline()
    """
    good_example = """
        async def ping(host):
            reader, writer = await asyncio.open_connection(host, 80)
            try:
                writer.write(b"PING\\r\\n")
                return await reader.readline()
            finally:
                writer.close()
                await writer.wait_closed()
    """
    fix_notes = "No automatic fix: close the writer (`writer.close(); await writer.wait_closed()`) in a `finally` block."
