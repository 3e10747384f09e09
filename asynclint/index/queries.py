"""Named questions rules ask the project index in phase 2.

A query is a tuple `(name, *args)` of plain data, created in phase 1 by
`ctx.report_if(...)`, cached with the file, and answered here once the whole
project is known. An answer is None (no finding) or a dict of extra message
fields. Rule modules may register their own queries with `@query("name")`.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

Answer = Optional[dict]
_QUERIES: Dict[str, Callable[..., Answer]] = {}


def query(name: str):
    def register(fn):
        if name in _QUERIES and _QUERIES[name] is not fn:
            raise ValueError(f"query {name!r} registered twice")
        _QUERIES[name] = fn
        return fn
    return register


def answer(index, module: str, q: tuple) -> Answer:
    fn = _QUERIES.get(q[0])
    if fn is None:
        raise KeyError(f"unknown index query {q[0]!r}")
    return fn(index, module, *q[1:])


@query("always")
def _always(index, module) -> Answer:
    return {}
