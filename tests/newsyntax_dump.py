"""Dump node positions for comparing trees across interpreters.

Run by any Python >= 3.8 as ``python newsyntax_dump.py FILE...``; prints one
JSON list per file.  Also imported by the tests (``dump(tree)``).

Type-parameter nodes (and what they contain) are skipped, and ``TypeAlias``
is reported as ``Assign``: those are the nodes 3.11 cannot have.
"""
import ast
import json
import sys

_TYPE_PARAMS = {"TypeVar", "ParamSpec", "TypeVarTuple"}


def dump(tree):
    out = []
    todo = [tree]
    while todo:  # breadth first, like ast.walk
        node = todo.pop(0)
        name = type(node).__name__
        if name in _TYPE_PARAMS:
            continue
        if name == "TypeAlias":
            name = "Assign"
        if getattr(node, "end_lineno", None) is not None:
            row = [name, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset]
            # a little content too, so rebuilt nodes are checked beyond positions
            if name == "Constant":
                row.append(repr(node.value))
            elif name in ("FormattedValue", "Interpolation"):
                row.append(node.conversion)
            elif name == "Name":
                row.append(node.id)
            out.append(row)
        elif name not in ("Load", "Store", "Del"):
            out.append([name])
        for fname, value in ast.iter_fields(node):
            if fname == "type_params":
                continue
            if isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                todo.append(value)
    return out


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            src = f.read()
        try:
            print(json.dumps(dump(ast.parse(src, path))))
        except SyntaxError as e:
            print(json.dumps({"error": e.msg, "lineno": e.lineno, "offset": e.offset}))
