"""Phase 1 compiles a tree only when its walk sees a shape the compiler may
reject (`asynclint/compiler_errors.py`): every file the compiler rejects is
still AIO001 with the compiler's own message, and code of the same shapes
that compiles is analysed as usual. The real command on real files, one run
over all of them; the expected message is what `compile()` says."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import warnings

import pytest

# Each only the compiler rejects (`ast.parse` accepts it).
REJECTED = {
    "return_in_class": "class C:\n    return 1\n",
    "yield_in_class": "class C:\n    yield 1\n",
    "yield_in_comprehension": "def f(xs):\n    return [(yield x) for x in xs]\n",
    "yield_from_in_async_def": "async def f(xs):\n    yield from xs\n",
    "return_value_in_async_generator": "async def f():\n    yield 1\n    return 2\n",
    "await_in_sync_def": "def f(x):\n    await x\n",
    "await_at_module_level": "import asyncio\nawait asyncio.sleep(0)\n",
    "await_in_lambda": "async def f(x):\n    return lambda: await x\n",
    "await_in_sync_comprehension": "def f(xs):\n    return [await x for x in xs]\n",
    "async_comprehension_in_sync_def": "def f(xs):\n    return [x async for x in xs]\n",
    "async_for_in_class_of_async_def": "async def f(xs):\n    class C:\n        async for x in xs:\n            pass\n",
    "async_with_in_sync_def": "def f(x):\n    async with x:\n        pass\n",
    "break_outside_loop": "def f():\n    break\n",
    "continue_in_loop_else": "for x in []:\n    pass\nelse:\n    continue\n",
    "break_in_def_in_loop": "for x in []:\n    def f():\n        break\n",
    "break_in_except_star": "for x in []:\n    try:\n        pass\n    except* ValueError:\n        break\n",
    "duplicate_parameter": "def f(a, *, a):\n    pass\n",
    "duplicate_lambda_parameter": "g = lambda a, b, a: 0\n",
    "duplicate_keyword": "print(sep='', end='', sep=' ')\n",
    "duplicate_class_keyword": "class C(object, metaclass=type, metaclass=type):\n    pass\n",
    "bare_except_not_last": "try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n",
    "assign_debug": "__debug__ = False\n",
    "debug_parameter": "def f(__debug__):\n    pass\n",
    "debug_keyword": "print(__debug__=1)\n",
    "debug_attribute": "import os\nos.__debug__ = 1\n",
    "debug_in_fullwidth_letters": "__\uff44\uff45\uff42\uff55\uff47__ = 1\n",
    "starred_alone": "*a = [1]\n",
    "two_starred": "*a, *b = [1, 2]\n",
    "starred_value": "x = *range(3)\n",
    "walrus_rebinds_loop_name": "ys = [(x := 1) for x in range(3)]\n",
    "walrus_in_class_comprehension": "class C:\n    ys = [(y := x) for x in range(3)]\n",
    "walrus_in_iterable": "ys = [x for x in (z := range(3))]\n",
    "walrus_in_lambda_in_iterable": "ys = [x for x in (lambda: (y := 1))()]\n",
    "walrus_rebound_by_inner_loop": "ys = [i for i in range(5) if (j := 0) for j in range(5)]\n",
    "walrus_rebinds_outer_loop_name": "ys = [[(j := 1) for i in range(5)] for j in range(5)]\n",
    "walrus_in_lambda_default_rebinds_loop_name": "fs = [lambda a=(x := 1): a for x in range(3)]\n",
    "return_none_in_async_generator": "async def f():\n    yield 1\n    return None\n",
    "return_value_before_yield_in_async_generator": "async def f(x):\n    if x:\n        return 1\n    yield x\n",
    "return_value_in_match_of_async_generator": "async def f(x):\n    match x:\n        case 1:\n            return 2\n    yield x\n",
    "await_in_comprehension_in_class_of_async_def": "async def f(xs):\n    class C:\n        y = [await x for x in xs]\n",
    "too_many_targets_before_star": "(" + ", ".join("a%d" % i for i in range(256)) + ", *b) = range(300)\n",
    "late_future": "import os\nfrom __future__ import annotations\n",
    "future_after_two_strings": "'doc'\n'more'\nfrom __future__ import annotations\n",
    "future_in_def": "def f():\n    from __future__ import annotations\n",
    "unknown_future": "from __future__ import telepathy\n",
    "future_braces": "from __future__ import braces\n",
    "star_import_in_def": "def f():\n    from os import *\n",
    "star_import_in_class": "class C:\n    from os import *\n",
    "nonlocal_at_module_level": "nonlocal x\n",
    "nonlocal_without_binding": "def f():\n    def g():\n        nonlocal x\n",
    "global_parameter": "def f(a):\n    global a\n",
    "global_after_use": "def f():\n    print(x)\n    global x\n",
    "annotated_global": "def f():\n    global a\n    a: int = 1\n",
    # `global`/`nonlocal` in a def or class, and `match`, are compiled with
    # their top-level statement alone: the error is in a later one, or
    # another shape follows one that compiles.
    "global_after_use_in_second_def": "x = 1\n\ndef f():\n    global x\n    x = 2\n\n"
                                      "def g():\n    x = 3\n    global x\n",
    "nonlocal_hidden_by_global": "def a():\n    x = 1\n    def b():\n        global x\n"
                                 "        def c():\n            nonlocal x\n",
    "nonlocal_in_class_body": "class C:\n    nonlocal x\n",
    "annotated_global_in_method": "class C:\n    def f(self):\n        global a\n        a: int = 1\n",
    "global_then_return_in_class": "def f():\n    global x\n    x = 1\n\nclass C:\n    return 1\n",
    "match_then_await_at_module_level": "match 1:\n    case 1:\n        pass\n"
                                        "import asyncio\nawait asyncio.sleep(0)\n",
    "match_in_def_capture_then_more": "def f(v):\n    match v:\n        case y:\n            pass\n"
                                      "        case 2:\n            pass\n",
    "break_in_match_outside_loop": "match 1:\n    case 1:\n        break\n",
    "global_at_module_level_after_assign": "x = 1\nglobal x\n",
    "match_capture_then_more": "match 1:\n    case y:\n        pass\n    case 2:\n        pass\n",
    "match_alternatives_differ": "match [1]:\n    case [a] | [b]:\n        pass\n",
    "too_many_nested_loops": "".join("    " * i + "for x%d in []:\n" % i for i in range(21)) + "    " * 21 + "pass\n",
    "too_many_with_items": "with " + ", ".join(["open('f')"] * 21) + ":\n    pass\n",
    "nested_try_handlers": "".join("  " * (2 * i) + "try:\n" + "  " * (2 * i) + "  pass\n"
                                   + "  " * (2 * i) + "except ValueError as e:\n" for i in range(11)) + "  " * 22 + "pass\n",
    "deep_expression": "x = " + " + ".join(["1"] * 2000) + "\n",
}

# Near misses: the same shapes where the compiler accepts them.
ACCEPTED = {
    "yield_in_def_and_lambda": "def f():\n    yield 1\n    g = lambda: (yield)\n    return g\n",
    "async_generator": "async def f():\n    yield 1\n    return\n",
    "await_in_async_comprehension": "async def f(xs):\n    return [await x for x in xs], (await x for x in xs)\n",
    "break_in_finally_in_loop": "for x in []:\n    try:\n        pass\n    finally:\n        break\n",
    "continue_in_nested_loop_else": "for x in []:\n    for y in []:\n        pass\n    else:\n        continue\n",
    "keywords_and_double_star": "print(sep='', **{'end': ''})\n",
    "starred_in_displays_and_calls": "a, *b = [1, 2]\nc = [*b, *b]\nprint(*b, *c)\nd = {*b}\ne = 1, *b\n",
    "walrus_outside_comprehension": "if (n := 3) > 2:\n    ys = [n for x in range(n)]\n",
    "walrus_in_comprehensions": "ys = [(y := x) for x in range(3)]\nfs = [lambda: (x := 1) for x in range(3)]\n"
                                "zs = [(j := 1) and [0 for j in range(2)] for i in range(3)]\n",
    "async_generator_with_returning_inner_def": "async def f():\n    def g():\n        return 1\n    yield g\n",
    "await_in_nested_comprehensions": "async def f(xs):\n    return [[await y for y in x] for x in xs]\n",
    "starred_targets": "a, *b = [1]\nfor c, *d in [[1]]:\n    pass\n(e, *f), *g = [[1], 2]\n"
                       "(" + ", ".join("a%d" % i for i in range(255)) + ", *b) = range(300)\n",
    "future_after_docstring": "'''Doc.'''\nfrom __future__ import annotations\nfrom __future__ import division\nimport os\n",
    "star_import_at_module_level": "from os import *\n",
    "global_and_nonlocal": "x = 1\n\ndef f():\n    global x\n    x = 2\n    y = 1\n    def g():\n        nonlocal y\n        y = 2\n",
    "declarations_in_nested_scopes": "def a():\n    x = 1\n    class C:\n        def b(self):\n"
                                     "            nonlocal x\n            x = 2\n            global y\n"
                                     "            y = 3\n    return C\n",
    "break_in_match_in_loop": "for v in []:\n    match v:\n        case 1:\n            break\n",
    "match_with_wildcard_last": "match 1:\n    case 2:\n        pass\n    case _:\n        pass\n",
    "twenty_nested_loops": "".join("    " * i + "for x%d in []:\n" % i for i in range(20)) + "    " * 20 + "pass\n",
    "bare_except_last": "try:\n    pass\nexcept ValueError:\n    pass\nexcept:\n    pass\n",
    "debug_read": "print(__debug__)\n",
    "not_ascii": "# d\u00e9j\u00e0 vu\n\uff44\uff45\uff42\uff55\uff47 = '\u00e9t\u00e9'\n",
    "yield_in_default_of_inner_def": "def f():\n    def g(a=(yield)):\n        pass\n",
    "await_in_default_of_inner_async_def": "async def f(x):\n    async def g(a=await x):\n        pass\n",
    "deep_but_compiles": "x = " + " + ".join(["1"] * 500) + "\n",
}


def _compiler_says(text: str):
    """The compiler's message (None when it accepts the text)."""
    tree = ast.parse(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, "<test>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc.msg
    except RecursionError:
        return "nested too deeply"
    return None


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    root = tmp_path_factory.mktemp("compile_gate")
    for name, text in {**REJECTED, **ACCEPTED}.items():
        (root / f"{name}.py").write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--no-cache", "--format", "json", "--select", "AIO001",
                           "."], capture_output=True, text=True, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    out = {}
    for d in json.loads(proc.stdout):
        out.setdefault(d["path"].rsplit("/", 1)[-1][:-3], []).append(d["message"])
    return out


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_code_only_the_compiler_rejects_is_aio001_with_its_message(findings, name):
    said = _compiler_says(REJECTED[name])
    assert said is not None, "the example must be one only the compiler rejects"
    assert len(findings.get(name, [])) == 1, findings.get(name)
    assert said in findings[name][0]


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_the_same_shapes_that_compile_are_not_aio001(findings, name):
    assert _compiler_says(ACCEPTED[name]) is None, "the example must compile"
    assert name not in findings, findings[name]

