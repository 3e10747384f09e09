"""Per-file text tests that let a rule skip a whole file: a rule whose
findings all need a call or a name spelled with one of a few words (every
alias and import of it spells the word too: phase 1 resolves nothing that is
not written in the file) does nothing in a file whose text lacks them."""
from __future__ import annotations

import ast
import keyword
from typing import Iterable


def spellings(*groups: Iterable[str]) -> tuple:
    """The last parts of dotted names that source text can spell (a keyword,
    `asyncio.async`, cannot be written as a name or attribute any more)."""
    return tuple(sorted({name.rsplit(".", 1)[-1] for group in groups for name in group}
                        - set(keyword.kwlist)))


def mentions(ctx, words: tuple) -> bool:
    """Any of `words` occurs in the file's text (answered once per file).
    Rules ask it for most nodes they check: the answer is found by the
    identity of the tuple (kept with it, so its id is not reused), without
    hashing its words on every call."""
    known = ctx.mentioned
    entry = known.get(id(words))
    if entry is not None and entry[0] is words:
        return entry[1]
    text = ctx.text()
    found = any(word in text for word in words)
    known[id(words)] = (words, found)
    return found


def unparse(node) -> str:
    """`ast.unparse(node)`, without its machinery for the usual callee and
    receiver shapes: a name, attributes and calls without arguments
    (`a.b.c`, `super().__init__`, `self.loop().close`): the same text."""
    parts = []
    inner = node
    while True:
        t = type(inner)
        if t is ast.Attribute:
            parts.append(inner.attr)
            parts.append(".")
            inner = inner.value
        elif t is ast.Call and not inner.args and not inner.keywords:
            parts.append("()")
            inner = inner.func
        elif t is ast.Name:
            parts.append(inner.id)
            return "".join(reversed(parts))
        else:
            return ast.unparse(node)


def source(node) -> str:
    """The text of `node` for a message field, cut at 60 characters."""
    text = unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def kept_for(ctx, key: str, node, make, arg):
    """`make(arg)` for `node`, made once however many rules ask at that node
    in turn: the last node's answer is kept in the module scope's state
    under `key`."""
    state = ctx.scopes[0].state
    kept = state.get(key)
    if kept is not None and kept[0] is node:
        return kept[1]
    value = make(arg)
    state[key] = (node, value)
    return value


def callee_text(ctx, func) -> str:
    """`source(func)` for a call's callee, made once however many rules
    report at that call (the blocking family and AIO208 both name it)."""
    return kept_for(ctx, _CALLEE_TEXT, func, source, func)


_CALLEE_TEXT = "callee-text"
