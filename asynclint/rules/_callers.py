"""Phase-2 helper: which async functions of the project call a function
directly (from FunctionInfo.calls, which the engine records for every call
inside every def). Built once per ProjectIndex, on first use."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ..index.project import ProjectIndex, rebuildable

Key = Tuple[str, str]  # (module, function qualname)


def callee(index: ProjectIndex, sym) -> Optional[Key]:
    """The project function a call symbol names, if the index can tell;
    also `self.method(...)` through the class's MRO, and `__init__` for a
    project class being instantiated."""
    if sym is None:
        return None
    if sym[0] == "attr" and sym[1] is not None and sym[1][0] == "inst":
        cls = index.resolve(sym[1][1])
        if cls.kind == "class":
            return index.find_method(cls.module, cls.qualname, sym[2])
        return None
    target = index.resolve(sym)
    if target.kind == "function":
        return (target.module, target.qualname)
    if target.kind == "class":  # `Config()` runs `Config.__init__`
        return index.find_method(target.module, target.qualname, "__init__")
    return None


def async_callers(index: ProjectIndex) -> Dict[Key, List[Key]]:
    # Joined from one part per module, so that a changed module re-resolves
    # only the calls of the modules whose resolution looked at it, and the
    # join is combined again only when one of those parts changed.
    return index.join_modules("async-callers", None, _module_async_calls, _join_callers)


def _join_callers(parts) -> Dict[Key, List[Key]]:
    out: Dict[Key, List[Key]] = {}
    for _module, calls in parts:
        for key, caller in calls:
            out.setdefault(key, []).append(caller)
    return out


def _module_async_calls(index: ProjectIndex, module: str) -> Tuple[Tuple[Key, Key], ...]:
    """(callee, caller) for every call made in an async function of `module`."""
    summary = index.modules.get(module)
    out = []
    # A module calls the same few callees over and over (`_LOGGER.debug`,
    # `self.hass.async_create_task`): each symbol is resolved once here (one
    # fact, one dependency frame: the answers and what they looked at are
    # those of resolving every call).
    seen: dict = {}
    for qual, info in summary.functions.items() if summary is not None else ():
        if not info.is_async:
            continue
        for sym, _line, _col in info.calls:
            try:
                key = seen[sym]
            except KeyError:
                key = seen[sym] = callee(index, sym)
            except TypeError:  # unhashable: never with well-formed symbols
                key = callee(index, sym)
            if key is not None:
                out.append((key, (module, qual)))
    return tuple(out)


rebuildable("async-callers", lambda _key: (_module_async_calls, _join_callers))  # from a saved index, next run
