"""The project index's coroutine knowledge, through AIO100, in process."""
from __future__ import annotations

import textwrap

from asynclint.config import Config
from asynclint.engine import lint_source
from asynclint.knowledge import coroutines as kb


def lines(code: str, config: Config | None = None, select=("AIO100",)):
    found = lint_source(textwrap.dedent(code), "mod.py", config=config, enabled=select)
    return [d.line for d in found if d.code in select]


def test_stdlib_table_is_derived_from_typeshed():
    assert kb.is_coroutine_function("asyncio.sleep")
    assert kb.is_coroutine_function("asyncio.Queue.put")
    assert kb.is_coroutine_function("asyncio.StreamWriter.drain")
    assert kb.is_coroutine_function("asyncio.StreamWriter.write") is False
    assert kb.is_coroutine_function("asyncio.create_task") is False
    assert kb.is_coroutine_function("some_lib.thing") is None


def test_extra_coroutine_functions_config():
    code = """
        import mylib

        async def main(client: mylib.Client):
            mylib.fetch()
            client.get()
            client.other()
    """
    assert lines(code) == []
    cfg = Config(extra_coroutine_functions=["mylib.fetch", "mylib.Client.get"])
    assert lines(code, cfg) == [5, 6]


def test_preserving_decorators_config():
    code = """
        import mylib

        @mylib.traced
        async def work():
            pass

        async def main():
            work()
    """
    assert lines(code) == []
    assert lines(code, Config(preserving_decorators=["mylib.traced"])) == [9]


def test_async_to_sync_and_back():
    code = """
        from asgiref.sync import async_to_sync, sync_to_async

        @async_to_sync
        async def blocking():
            pass

        @sync_to_async
        def offloaded():
            pass

        async def main():
            blocking()
            offloaded()
    """
    assert lines(code) == [14]


def test_async_generator_is_not_a_coroutine():
    code = """
        async def stream():
            yield 1

        async def main():
            stream()
    """
    assert lines(code) == []


def test_calls_are_recorded_for_call_graphs():
    from asynclint.engine import Settings, Walker, analyse_text
    cfg = Config()
    result = analyse_text("def f():\n    g()\n\ndef g():\n    pass\n", "m", False, "m.py",
                          Walker(frozenset({"AIO100"})), Settings(cfg, frozenset({"AIO100"})))
    calls = result.summary.functions["f"].calls
    assert calls == [(("global", "m", "g"), 2, 4)]


import sys

import pytest


def test_pep695_type_params_and_aliases():
    code = """
        class Coordinator:
            async def refresh(self):
                pass

        class Entity[T: Coordinator]:
            def __init__(self, coordinator: T):
                self.coordinator = coordinator

            async def run(self):
                self.coordinator.refresh()

        type Alias = Entity[Coordinator]

        async def f(e: Alias):
            e.run()
    """
    assert lines(code) == [11, 16]


def test_installed_packages_are_indexed_with_python_option(tmp_path):
    import json

    from .harness import run_cli

    site = tmp_path / "env" / "site-packages"
    (site / "fakelib").mkdir(parents=True)
    (site / "fakelib" / "__init__.py").write_text(
        "from .client import Client, connect\n\nasync def stream():\n    yield 1\n")
    (site / "fakelib" / "client.py").write_text(
        "class Client:\n    async def fetch(self):\n        return 1\n\n    def close(self):\n        pass\n\n\n"
        "async def connect() -> Client:\n    return Client()\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(
        "import fakelib\nfrom fakelib import Client\n\n\nasync def main():\n    fakelib.connect()\n"
        "    c = Client()\n    c.fetch()\n    c.close()\n    fakelib.stream()\n"
        "    conn = await fakelib.connect()\n    conn.fetch()\n")
    args = ["--no-cache", "--isolated", "--format", "json", "--select", "AIO100", "app.py"]
    without = json.loads(run_cli(args, project).stdout)
    assert without == []
    found = json.loads(run_cli(["--python", str(site), *args], project).stdout)
    assert sorted(d["line"] for d in found) == [6, 8, 12]


def test_framework_parameters_reach_installed_coroutines(tmp_path):
    """A command handler's `ctx: commands.Context`, where `commands` is a
    subpackage of an installed framework imported as `from pkg.ext import
    commands` (discord.py's layout): `ctx.send(...)` is a coroutine only
    the installed-package index can prove; without it, nothing."""
    import json

    from .harness import run_cli

    site = tmp_path / "env" / "site-packages"
    commands = site / "chatfw" / "ext" / "commands"
    commands.mkdir(parents=True)
    (site / "chatfw" / "__init__.py").write_text("")
    (site / "chatfw" / "ext" / "__init__.py").write_text("")
    (site / "chatfw" / "abc.py").write_text(
        "class Messageable:\n    async def send(self, content=None):\n        ...\n\n"
        "    def typing(self):\n        ...\n")
    (commands / "__init__.py").write_text("from .context import Context\nfrom .core import command\n")
    (commands / "context.py").write_text(
        "from ...abc import Messageable\n\n\nclass User(Messageable):\n    pass\n\n\n"
        "class Context(Messageable):\n    async def reply(self, content):\n        ...\n\n"
        "    @property\n    def author(self) -> User:\n        ...\n")
    (commands / "core.py").write_text("def command(**attrs):\n    def wrap(func):\n        return func\n    return wrap\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "bot.py").write_text(textwrap.dedent("""\
        from chatfw.ext import commands


        @commands.command()
        async def hello(ctx: commands.Context):
            ctx.send("hi")
            ctx.author.send("a direct message")
            await ctx.reply("done")
            async with ctx.typing():
                pass


        async def untyped(ctx):
            ctx.send("hi")
    """))
    args = ["--no-cache", "--isolated", "--format", "json", "--select", "AIO1", "bot.py"]
    assert json.loads(run_cli(args, project).stdout) == []
    found = json.loads(run_cli(["--python", str(site), *args], project).stdout)
    assert sorted((d["line"], d["code"]) for d in found) == [(6, "AIO100"), (7, "AIO100")]
