"""AIO2xx: configuration knobs, fix kinds and the transitive summary."""
from __future__ import annotations

import textwrap

from asynclint.config import Config
from asynclint.engine import lint_source

SOURCE = textwrap.dedent('''
    import time
    import mylib
    from pkg import Client


    def helper():
        mylib.fetch()


    async def main(client: Client):
        mylib.fetch()
        client.get("x")
        time.sleep(1)
        helper()
''')


def _codes(config, enabled=("AIO200", "AIO208")):
    return [(d.line, d.code) for d in lint_source(SOURCE, "mod.py", config, enabled)]


def test_extra_blocking_calls_are_reported_and_followed():
    cfg = Config(extra_blocking_calls=["mylib.fetch", "pkg.Client.get"])
    assert _codes(cfg) == [(12, "AIO208"), (13, "AIO208"), (14, "AIO200"), (15, "AIO208")]


def test_allowed_blocking_calls_silence_catalogued_apis():
    cfg = Config(allowed_blocking_calls=["time.sleep"])
    assert _codes(cfg) == []


def test_allowed_project_function_is_not_followed():
    cfg = Config(extra_blocking_calls=["mylib.fetch"], allowed_blocking_calls=["mod.helper"])
    assert _codes(cfg) == [(12, "AIO208"), (14, "AIO200")]


def test_fix_kinds():
    found = lint_source("import time, subprocess\nasync def f():\n    time.sleep(1)\n    subprocess.run(['ls'])\n",
                        "m.py", Config(), ("AIO200", "AIO202"))
    kinds = {d.code: (d.fix.data, d.fix.applicability.value) for d in found}
    assert kinds == {"AIO200": (("asyncio-sleep",), "safe"), "AIO202": (("to-thread",), "unsafe")}


def test_chain_message():
    src = textwrap.dedent('''
        def read_file(p):
            with open(p) as f:
                return f.read()

        def load_settings():
            return read_file("s")

        async def main():
            load_settings()
    ''')
    (d,) = lint_source(src, "m.py", Config(), ("AIO208",))
    assert "load_settings() -> read_file() -> open()" in d.message


def test_deep_chain_and_cycles_terminate():
    lines = ["import time", "def f0():", "    time.sleep(1)"]
    for i in range(1, 60):
        lines += [f"def f{i}():", f"    f{i - 1}()", f"    f{i}()"]
    lines += ["async def main():", "    f59()", "    f3()"]
    found = lint_source("\n".join(lines) + "\n", "m.py", Config(), ("AIO208",))
    assert [d.line for d in found] == [len(lines)]  # f59 is deeper than the limit; f3 is found


def test_cycle_answer_does_not_depend_on_query_order():
    src = textwrap.dedent('''
        import time

        def a():
            b()
            c()

        def b():
            a()

        def c():
            time.sleep(1)

        async def main():
            a()
            b()
    ''')
    found = lint_source(src, "m.py", Config(), ("AIO208",))
    assert [d.line for d in found] == [15, 16]
    assert "b() -> a() -> c() -> time.sleep()" in found[1].message


def test_no_fix_inside_generator_expression():
    src = "import time\nasync def f():\n    return list(time.sleep(0) for _ in range(3))\n"
    (d,) = lint_source(src, "m.py", Config(), ("AIO200",))
    assert d.fix is None
