"""AIO209: network logging handlers in an asyncio program."""
from __future__ import annotations

import ast

from ..index.project import rebuildable
from ..index.queries import query
from ..knowledge.blocking import BLOCKING_LOG_HANDLERS, SYSLOG_HANDLER
from ._text import mentions
from .base import Rule


@query("aio2-asyncio-program")
def _asyncio_program(index, module: str):
    has_async = index.join_modules("has-async-def", None, _has_async_def, _any_part)
    return {} if has_async else None


def _has_async_def(index, module: str) -> bool:
    summary = index.modules.get(module)
    return summary is not None and any(info.is_async for info in summary.functions.values())


def _any_part(parts) -> bool:
    return any(value for _module, value in parts)


rebuildable("has-async-def", lambda _key: (_has_async_def, _any_part))  # from a saved index, next run


# the last names of the handlers (what `check` looks for besides a listener)
_HANDLER_NAMES = frozenset(n.rsplit(".", 1)[1] for n in (*BLOCKING_LOG_HANDLERS, SYSLOG_HANDLER))
_HANDLER_WORDS = (*sorted(_HANDLER_NAMES), "QueueListener")
# what those words spell in common (`file_words`): most files spell neither,
# and two searches of the text tell so instead of one per word
_HANDLER_SCREEN = tuple(sorted({"Handler" if w.endswith("Handler") else w for w in _HANDLER_WORDS}))


def _is_stream(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "SOCK_STREAM"
    if isinstance(node, ast.Name):
        return node.id == "SOCK_STREAM"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "SOCK_STREAM" in node.value
    return False


class BlockingLogHandler(Rule):
    code = "AIO209"
    name = "blocking-log-handler"
    summary = "Network logging handler (SMTP, HTTP, TCP socket/syslog) in an asyncio program"
    message = (
        "`{handler}` sends each log record over the network from the thread that logs, "
        "stalling the event loop; log through a `QueueHandler` and run this handler in a `QueueListener`"
    )
    node_types = (ast.Call, ast.Dict)
    # a handler is named in the file's text (a call's callee, a config's
    # "class"): in the other files no call or dict reaches the check
    file_words = _HANDLER_SCREEN
    why = """
        Logging calls are synchronous: a handler's `emit()` runs in the thread
        that logs. `SMTPHandler` (a full SMTP conversation per record),
        `HTTPHandler`, `SocketHandler` and a `SysLogHandler` over TCP
        (`socktype=socket.SOCK_STREAM`) do network I/O in `emit()`, so every
        `logger.error(...)` in a coroutine blocks the event loop, for
        seconds when the server is slow. Configure a
        `logging.handlers.QueueHandler` instead and let a `QueueListener`
        thread own the network handler. Reported where the handler is
        constructed or named in a `dictConfig` dict (`"class":
        "logging.handlers.SMTPHandler"`) or a `fileConfig` section given as
        a dict (`"class": "handlers.SMTPHandler"`), when the project defines
        coroutines. UDP handlers (`DatagramHandler`, the default
        `SysLogHandler`) are not flagged.
    """
    bad_example = """
        import asyncio
        import logging.handlers

        handler = logging.handlers.SMTPHandler("mail.example.com", "app@example.com", ["ops@example.com"], "error")
        logging.getLogger().addHandler(handler)


        async def main():
            logging.error("sent by mail, from the event loop")


        asyncio.run(main())
    """
    good_example = """
        import asyncio
        import logging.handlers
        import queue

        log_queue = queue.SimpleQueue()
        logging.getLogger().addHandler(logging.handlers.QueueHandler(log_queue))
        smtp = logging.handlers.SMTPHandler("mail.example.com", "app@example.com", ["ops@example.com"], "error")
        listener = logging.handlers.QueueListener(log_queue, smtp)
        listener.start()


        async def main():
            logging.error("queued; the listener thread sends the mail")


        asyncio.run(main())
    """
    fix_notes = "No automatic fix: moving a handler behind a queue changes the logging set-up."

    def check(self, node: ast.AST, ctx) -> None:
        if type(node) is ast.Call:
            func = node.func
            # a method call's dotted name ends in its attribute: most calls
            # name no handler and no listener, and need no resolving
            if type(func) is ast.Attribute:
                if func.attr not in _HANDLER_NAMES and not func.attr.endswith("QueueListener"):
                    return
            elif not mentions(ctx, _HANDLER_WORDS):
                return  # a called name resolves to a handler or a listener only through a name the file spells
            name = ctx.qualified_name(func)
            if name in BLOCKING_LOG_HANDLERS or (name == SYSLOG_HANDLER and self._syslog_tcp(node)):
                if self._inside_queue_listener(ctx):
                    return
                handler = name.rsplit(".", 1)[1]
                parent = ctx.parent
                if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                    # `smtp = SMTPHandler(...)` then `QueueListener(q, smtp)`: decided when the scope ends
                    self._state(ctx)[0].append((parent.targets[0].id, node, handler))
                    return
                ctx.report_if(("aio2-asyncio-program",), node, handler=handler)
            elif (name or "").endswith("QueueListener"):
                self._state(ctx)[1].update(a.id for a in node.args if isinstance(a, ast.Name))
            return
        # a handler's entry in a logging config says "class": most dicts do not
        if not any(type(k) is ast.Constant and k.value == "class" for k in node.keys):
            return
        keys = {k.value: v for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        cls = keys.get("class")
        if not (isinstance(cls, ast.Constant) and isinstance(cls.value, str)):
            return
        name = cls.value.removeprefix("ext://")
        if name.startswith("handlers."):  # fileConfig resolves class names inside `logging`
            name = "logging." + name
        if name in BLOCKING_LOG_HANDLERS or (name == SYSLOG_HANDLER and "socktype" in keys
                                             and _is_stream(keys["socktype"])):
            ctx.report_if(("aio2-asyncio-program",), cls, handler=name.rsplit(".", 1)[1])

    def leave_scope(self, scope, ctx) -> None:
        state = scope.state.get(self.code)
        if not state:
            return
        handlers, queued = state
        for name, call, handler in handlers:
            if name not in queued:
                ctx.report_if(("aio2-asyncio-program",), call, handler=handler)

    def _state(self, ctx):
        return ctx.scope.state.setdefault(self.code, ([], set()))

    @staticmethod
    def _syslog_tcp(call: ast.Call) -> bool:
        for kw in call.keywords:
            if kw.arg == "socktype":
                return _is_stream(kw.value)
        return len(call.args) >= 3 and _is_stream(call.args[2])

    @staticmethod
    def _inside_queue_listener(ctx) -> bool:
        parent = ctx.parent
        if isinstance(parent, ast.Call):
            return (ctx.qualified_name(parent.func) or "").endswith("QueueListener")
        return False
