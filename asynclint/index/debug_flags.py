"""Debug-only code: statements that run only while a debug flag read from
the environment is on (a developer dumping audio or stack traces), which
the AIO2 rules leave alone unless `blocking-in-debug-code = true`.

A debug flag is, strictly:
- a read of an environment variable whose name has a `DEBUG` or `DUMP`
  word (`os.getenv("LK_DUMP_STACK_TRACES", "0")`, `os.environ.get(...)`,
  `os.environ[...]`), possibly normalised (`.lower()`, `.strip()`), compared
  with string literals that all mean "on" (`"1"`, `"true"`, ...) or all
  mean "off" (`"0"`, `"false"`, `""`, ...), or tested as it is;
- a module global with a `debug`/`dump` word in its name (`lk_dump_tts`,
  `DEBUG_DUMP`), assigned once, at the top level of the module, from such
  a read or from a call given the variable's name (`resolve_env_int(
  "LK_DUMP_TTS")`), and never assigned in a function.
Never an attribute (`self.debug`, `settings.DEBUG`: state the serving path
may set) and never a literal (`DEBUG = True` runs in production).

Debug-only code is the body of `if FLAG:` (or `if FLAG and ...:`), and
the statements after `if not FLAG: return` (or `if not FLAG or ...:`) in
the same block.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Tuple

from .nodes import walk

_WORDS = frozenset({"debug", "dump"})
_ON = frozenset({"1", "true", "yes", "on", "y", "t"})
_OFF = frozenset({"0", "false", "no", "off", "n", "f", ""})
_NORMALISERS = frozenset({"lower", "upper", "strip", "casefold"})
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _debug_word(name: str) -> bool:
    return any(w in _WORDS for w in name.lower().split("_"))


def _env_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(_ENV_NAME.match(node.value)) \
        and _debug_word(node.value)


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name) \
        and node.value.id == "os"


def env_read(node: ast.AST) -> bool:
    """`os.getenv("X_DEBUG", ...)`, `os.environ.get("X_DEBUG")`,
    `os.environ["X_DEBUG"]`, possibly `.lower()`-ed."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _NORMALISERS \
            and not node.args:
        node = node.func.value
    if isinstance(node, ast.Subscript):
        return _is_environ(node.value) and _env_name(node.slice)
    if not (isinstance(node, ast.Call) and node.args and _env_name(node.args[0])):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "getenv" and isinstance(func.value, ast.Name) \
            and func.value.id == "os":
        return True
    return isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)


def module_flags(module: ast.Module) -> frozenset:
    """Module globals that are debug flags (see the module docstring)."""
    assigned: Dict[str, int] = {}
    from_env = set()
    for stmt in module.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else \
            [stmt.target] if isinstance(stmt, ast.AnnAssign) and stmt.value is not None else []
        for target in targets:
            for name in walk(target):
                if isinstance(name, ast.Name):
                    assigned[name.id] = assigned.get(name.id, 0) + 1
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and _debug_word(targets[0].id) \
                and _from_env(stmt.value):
            from_env.add(targets[0].id)
    candidates = {n for n in from_env if assigned.get(n) == 1}
    if not candidates:  # most modules: no walk of the whole tree
        return frozenset()
    declared = {n for node in ast.walk(module) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    return frozenset(candidates - declared)


def _from_env(value: ast.AST) -> bool:
    return any(env_read(n) or (isinstance(n, ast.Call) and n.args and _env_name(n.args[0])) for n in ast.walk(value))


def _flag(node: ast.AST, flags: frozenset) -> Optional[bool]:
    """True: the expression is true only while a debug flag is on; False:
    it is true whenever the flag is off; None: neither is known."""
    if isinstance(node, ast.Name):
        return True if node.id in flags else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _flag(node.operand, flags)
        return None if inner is None else not inner
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and env_read(node.left):
        op, right = node.ops[0], node.comparators[0]
        values = _literals(right)
        if values is None:
            return None
        if isinstance(op, (ast.In, ast.Eq)):
            positive = True
        elif isinstance(op, (ast.NotIn, ast.NotEq)):
            positive = False
        else:
            return None
        if values <= _ON:
            return positive
        if values <= _OFF:
            return not positive
        return None
    if env_read(node):
        return True
    return None


def _literals(node: ast.AST) -> Optional[frozenset]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return frozenset({node.value.lower()})
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return frozenset(e.value.lower() for e in node.elts)
    return None


def _only_when_on(test: ast.AST, flags: frozenset) -> bool:
    """`if test:` runs its body only while a debug flag is on."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_only_when_on(v, flags) for v in test.values)
    return _flag(test, flags) is True


def _true_when_off(test: ast.AST, flags: frozenset) -> bool:
    """`test` is true whenever a debug flag is off."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_true_when_off(v, flags) for v in test.values)
    return _flag(test, flags) is False


def _exits(body: list) -> bool:
    return len(body) == 1 and isinstance(body[0], ast.Return)


def debug_ranges(node: ast.If, siblings: Optional[list], flags: frozenset) -> List[Tuple[int, int]]:
    """Line ranges that run only while a debug flag is on, decided by the
    `if` statement `node` (`siblings`: the statements of its block)."""
    if _only_when_on(node.test, flags) and node.body:
        return [(node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno)]
    if _exits(node.body) and not node.orelse and _true_when_off(node.test, flags) and siblings:
        at = next((i for i, s in enumerate(siblings) if s is node), None)
        if at is not None and at + 1 < len(siblings):
            rest = siblings[at + 1:]
            return [(rest[0].lineno, rest[-1].end_lineno or rest[-1].lineno)]
    return []


def block_of(node: ast.stmt, parent: ast.AST) -> Optional[list]:
    """The statement list of `parent` that holds `node`."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is node for s in block):
            return block
    return None
