"""Generate asynclint/knowledge/stdlib_async.py from typeshed's stdlib stubs.

Dev-time only: needs the `typeshed_client` package (it ships typeshed), which
is not a runtime dependency of asynclint. Run it when typeshed moves:

    python scripts/gen_stdlib_async.py > asynclint/knowledge/stdlib_async.py

What it derives, for every stdlib module that defines an `async def` (and the
stdlib names that re-export something from one):
- the module-level functions that are `async def` (calling them gives a
  coroutine), across several Python versions (union);
- per class, the methods that are `async def`, following stdlib base classes
  (a sync override in a subclass hides an async base method);
- simple return types (a class, `Self`, or a tuple of classes) of functions
  and methods, so that `asyncio.get_running_loop()` or
  `await asyncio.open_connection()` give known instances;
- the aliases (`asyncio.Queue` -> `asyncio.queues.Queue`).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Dict, Optional, Set

import typeshed_client
from typeshed_client import finder, parser

VERSIONS = [(3, 9), (3, 10), (3, 11), (3, 12), (3, 13)]


def stdlib_modules(root: Path):
    for path in sorted(root.rglob("*.pyi")):
        rel = path.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and not any(p.startswith("@") for p in parts):
            yield ".".join(parts)


class Collector:
    def __init__(self) -> None:
        self.functions: Dict[str, bool] = {}  # dotted -> is coroutine function
        self.returns: Dict[str, object] = {}  # dotted function/method -> class dotted or tuple
        self.classes: Dict[str, dict] = {}  # dotted -> {"bases": [...], "methods": {name: async}}
        self.aliases: Dict[str, str] = {}
        self.async_modules: Set[str] = set()

    def module(self, mod: str, ctx) -> None:
        try:
            names = parser.get_stub_names(mod, search_context=ctx)
        except Exception:
            return
        if names is None:
            return
        scope = {}
        for name, info in names.items():
            node = info.ast
            if isinstance(node, parser.ImportedName):
                target = ".".join(node.module_name)
                scope[name] = f"{target}.{node.name}" if node.name else target
            else:
                scope[name] = f"{mod}.{name}"
        for name, info in names.items():
            node = info.ast
            dotted = f"{mod}.{name}"
            if isinstance(node, parser.ImportedName):
                if node.name and info.is_exported:
                    self.aliases[dotted] = scope[name]
                continue
            defs = node.definitions if isinstance(node, parser.OverloadedName) else [node]
            if all(isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)) for d in defs) and defs:
                is_coro = any(_is_coroutine_def(d) for d in defs)
                if is_coro:
                    self.async_modules.add(mod)
                self.functions[dotted] = self.functions.get(dotted, False) or is_coro
                ret = _return_type(defs, scope, None)
                if ret is not None:
                    self.returns[dotted] = ret
            elif isinstance(node, ast.ClassDef):
                entry = self.classes.setdefault(dotted, {"bases": [], "methods": {}})
                for base in node.bases:
                    b = _dotted(base, scope)
                    if b and b not in entry["bases"]:
                        entry["bases"].append(b)
                for mname, minfo in (info.child_nodes or {}).items():
                    mnode = minfo.ast
                    mdefs = mnode.definitions if isinstance(mnode, parser.OverloadedName) else [mnode]
                    if not mdefs or not all(isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)) for d in mdefs):
                        continue
                    is_coro = any(_is_coroutine_def(d) for d in mdefs)
                    if is_coro:
                        self.async_modules.add(mod)
                    entry["methods"][mname] = entry["methods"].get(mname, False) or is_coro
                    ret = _return_type(mdefs, scope, dotted)
                    if ret is not None:
                        self.returns[f"{dotted}.{mname}"] = ret


def _is_coroutine_def(node) -> bool:
    if isinstance(node, ast.AsyncFunctionDef):
        # an `async def` stub with an AsyncIterator/AsyncGenerator return is an async generator
        ann = node.returns
        head = ann.value if isinstance(ann, ast.Subscript) else ann
        name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
        return name not in ("AsyncIterator", "AsyncGenerator", "AsyncIterable")
    ann = node.returns
    if isinstance(ann, ast.Subscript):
        head = ann.value
        name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
        return name in ("Coroutine", "CoroutineType")
    return False


def _dotted(node, scope) -> Optional[str]:
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return scope.get(node.id) or f"builtins.{node.id}"
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, scope)
        return f"{base}.{node.attr}" if base else None
    return None


def _return_type(defs, scope, cls: Optional[str]):
    results = set()
    for d in defs:
        ann = d.returns
        if isinstance(ann, ast.Subscript):
            head = _dotted(ann.value, scope) or ""
            if head.endswith(("Coroutine", "CoroutineType")) and isinstance(ann.slice, ast.Tuple) and len(ann.slice.elts) == 3:
                ann = ann.slice.elts[2]
        results.add(_one_type(ann, scope, cls))
    if len(results) != 1:
        return None
    return results.pop()


def _one_type(ann, scope, cls):
    if isinstance(ann, ast.Name) and ann.id == "Self" and cls:
        return cls
    if isinstance(ann, ast.Subscript):
        head = _dotted(ann.value, scope) or ""
        if head in ("builtins.tuple", "typing.Tuple") and isinstance(ann.slice, ast.Tuple):
            items = tuple(_one_type(e, scope, cls) for e in ann.slice.elts)
            if all(isinstance(i, str) for i in items) and not any(isinstance(e, ast.Constant) for e in ann.slice.elts):
                return items
        return None
    if isinstance(ann, (ast.Name, ast.Attribute)):
        d = _dotted(ann, scope)
        if d and not d.startswith(("builtins.", "typing.", "typing_extensions.", "_typeshed.", "collections.abc.")):
            return d
    return None


def main() -> None:
    root = finder.find_typeshed()
    mods = list(stdlib_modules(root))
    col = Collector()
    for version in VERSIONS:
        ctx = typeshed_client.get_search_context(version=version, platform="linux", search_path=[])
        for mod in mods:
            col.module(mod, ctx)

    def canon(name: str, depth: int = 0) -> str:
        while name in col.aliases and depth < 20:
            name, depth = col.aliases[name], depth + 1
        return name

    # packages: a module whose name starts with an async module's top package
    tops = {m.split(".")[0] for m in col.async_modules}
    tops |= {"_" + t for t in tops}  # C accelerators (`_asyncio`) that asyncio re-exports

    def keep(dotted: str) -> bool:
        return dotted.split(".")[0] in tops

    def flattened(cls: str, seen=None) -> Dict[str, bool]:
        seen = seen or set()
        if cls in seen or cls not in col.classes:
            return {}
        seen.add(cls)
        out: Dict[str, bool] = {}
        for base in reversed(col.classes[cls]["bases"]):
            out.update(flattened(canon(base), seen))
        out.update(col.classes[cls]["methods"])
        return out

    async_functions = sorted(k for k, v in col.functions.items() if v and keep(k))
    async_methods = {}
    for cls in sorted(col.classes):
        if not keep(cls):
            continue
        names = sorted(m for m, a in flattened(cls).items() if a)
        if names:
            async_methods[cls] = names
    returns = {}
    for k, v in sorted(col.returns.items()):
        if not keep(k):
            continue
        v = tuple(canon(x) for x in v) if isinstance(v, tuple) else canon(v)
        vals = v if isinstance(v, tuple) else (v,)
        if all(keep(x) and x in col.classes for x in vals):
            returns[k] = v
    aliases = {k: canon(v) for k, v in sorted(col.aliases.items())
               if keep(canon(v)) and canon(v) != k and (canon(v) in col.functions or canon(v) in col.classes)
               and (canon(v) in async_methods or canon(v) in async_functions or canon(v) in returns
                    or any(r.startswith(canon(v) + ".") for r in returns)
                    or any(canon(v) in (x if isinstance(x, tuple) else (x,)) for x in returns.values()))}
    classes = sorted(c for c in col.classes if keep(c))
    # the bases of classes, so project subclasses of stdlib classes follow them
    out = sys.stdout
    out.write('"""Which standard-library functions and methods are coroutine functions.\n\n'
              "GENERATED by scripts/gen_stdlib_async.py from typeshed's stdlib stubs\n"
              f"(typeshed_client {getattr(typeshed_client, '__version__', '?')}, Python versions "
              f"{', '.join('%d.%d' % v for v in VERSIONS)}, union). Do not edit by hand.\n"
              '"""\n\n')
    out.write("# Module-level coroutine functions (canonical dotted names).\n")
    out.write("ASYNC_FUNCTIONS = frozenset({\n")
    for name in async_functions:
        out.write(f"    {name!r},\n")
    out.write("})\n\n")
    out.write("# Class (canonical dotted name) -> its coroutine methods, inherited ones included.\n")
    out.write("ASYNC_METHODS = {\n")
    for cls, names in async_methods.items():
        out.write(f"    {cls!r}: frozenset({names!r}),\n")
    out.write("}\n\n")
    out.write("# Every class of those packages (a method not in ASYNC_METHODS is sync).\n")
    out.write("CLASSES = frozenset({\n")
    for cls in classes:
        out.write(f"    {cls!r},\n")
    out.write("})\n\n")
    out.write("# Function or method -> the class (or tuple of classes) it returns, or awaits to.\n")
    out.write("RETURNS = {\n")
    for k, v in returns.items():
        out.write(f"    {k!r}: {v!r},\n")
    out.write("}\n\n")
    out.write("# Re-exported name -> canonical name.\n")
    out.write("ALIASES = {\n")
    for k, v in aliases.items():
        out.write(f"    {k!r}: {v!r},\n")
    out.write("}\n")


if __name__ == "__main__":
    main()
