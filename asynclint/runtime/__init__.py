"""asynclint runtime shim: turn a running asyncio program into findings with
the same codes, locations and `# noqa` as the static rules.

    python -m asynclint.runtime [options] app.py args...
    python -m asynclint.runtime [options] -m package.module args...

In code::

    handle = asynclint.runtime.install(slow_callback_ms=50)
    ...
    handle.uninstall(); print(handle.findings)

    with asynclint.runtime.watch() as findings:
        asyncio.run(main())

Importing this package is cheap: the patches (and asyncio) are loaded by
`install()`. Only the standard library, `asynclint.diagnostics` and
`asynclint.noqa` are used.
"""
from __future__ import annotations

__all__ = ["install", "watch", "AsyncioMisuseError", "RuntimeHandle"]


def install(**options):
    """Install the shim (idempotent, nestable) and return a handle with
    `.findings` (a live list of `Diagnostic`) and `.uninstall()`.

    Options: slow_callback_ms=100, select=(), ignore=(), allow=("module:function", ...),
    raise_=False (or **{"raise": True}), origin_depth=1, monitoring=False.
    """
    from ._core import _STATE, Options, RuntimeHandle
    from . import _install  # noqa: F401  (registers the installer with _STATE)

    handle = RuntimeHandle(Options.make(**options))
    _STATE.add(handle)
    return handle


def watch(**options):
    """Context manager: `with watch() as findings:` -- findings is a list
    filled while inside (garbage is collected on exit so lost exceptions and
    never-awaited coroutines are attributed to the block)."""
    return install(**options)


def __getattr__(name):
    if name in ("AsyncioMisuseError", "RuntimeHandle", "Options"):
        from . import _core

        return getattr(_core, name)
    raise AttributeError(name)
