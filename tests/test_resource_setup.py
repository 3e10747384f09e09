"""File I/O in the set-up code of a resource (index/setup.py): left alone
by default, reported with `blocking-at-setup = true`, the name lists are
settings. Through the real command on real files."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from .harness import run_cli

FIXTURES = Path(__file__).parent / "fixtures"

# A package: the factory returns a class imported from a sibling module
# (a class of the project), the handler a third-party response.
TRANSPORTS = '''
import asyncio

from .common import Transport


async def open_serial_transport(path):
    device = open(path, "r+b", buffering=0)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_read_pipe(asyncio.Protocol, device)
    return Transport(protocol, transport)
'''

COMMON = '''
class Transport:
    def __init__(self, source, sink):
        self.source = source
        self.sink = sink
'''

HANDLERS = '''
from pathlib import Path

from aiohttp import web


async def create_page(request):
    return web.Response(text=Path("page.html").read_text())
'''


def _findings(tmp_path: Path, config: str) -> list:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
    proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return sorted((d["path"].removeprefix("./"), d["line"], d["code"]) for d in json.loads(proc.stdout))


def _lines(path: Path, *needles: str) -> list:
    return [n for n, text in enumerate(path.read_text().splitlines(), 1) if any(x in text for x in needles)]


def test_set_up_file_io_is_left_alone_by_default_and_its_setting_brings_it_back(tmp_path):
    for code in ("AIO203", "AIO208"):
        (tmp_path / f"{code.lower()}.py").write_text((FIXTURES / code / "good_resource_setup.py").read_text())
    assert _findings(tmp_path, "") == []

    direct = tmp_path / "aio203.py"
    helpers = tmp_path / "aio208.py"
    expected = [("aio203.py", n, "AIO203")
                for n in _lines(direct, "open(", "read_bytes()", "write_text(")]
    # AIO208: one finding at each blocking call of a helper
    expected += [("aio208.py", n, "AIO208")
                 for n in _lines(helpers, "with open(config)", "write_text(", 'open(filename, "wb")', "read_text()")]
    assert _findings(tmp_path, "blocking-at-setup = true\n") == sorted(expected)


def test_the_name_lists_are_settings(tmp_path):
    (tmp_path / "svc.py").write_text((FIXTURES / "AIO203" / "good_resource_setup.py").read_text())
    svc = tmp_path / "svc.py"
    setup_read = _lines(svc, "self.prompt_path.read_bytes()")
    firmware = _lines(svc, "Path(name).read_bytes()", 'open(name + ".cfg"')
    # without `init_*`, init_controller() and what it awaits are checked again
    assert _findings(tmp_path, 'setup-functions = ["setup"]\n') == [("svc.py", n, "AIO203") for n in firmware]
    # without factory names, only the classmethod constructor stays set-up code
    factories = _lines(svc, 'open(path, "r+b"', 'open(path, "wb")', 'write_text("default")')
    assert _findings(tmp_path, "setup-factories = []\n") == [("svc.py", n, "AIO203") for n in factories]
    assert setup_read and not set(setup_read) & set(factories + firmware)


def test_factory_of_a_project_class_across_modules_but_not_a_handler(tmp_path):
    pkg = tmp_path / "link"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "common.py").write_text(COMMON)
    (pkg / "serial.py").write_text(TRANSPORTS)
    (pkg / "pages.py").write_text(HANDLERS)
    opening = _lines(pkg / "serial.py", "open(path")
    page = _lines(pkg / "pages.py", "read_text()")
    assert _findings(tmp_path, "") == [("link/pages.py", n, "AIO203") for n in page]
    assert _findings(tmp_path, "blocking-at-setup = true\n") == sorted(
        [("link/pages.py", n, "AIO203") for n in page] + [("link/serial.py", n, "AIO203") for n in opening])


def test_a_download_in_set_up_code_is_still_reported(tmp_path):
    (tmp_path / "voice.py").write_text(textwrap.dedent('''
        import urllib.request


        class Voice:
            async def setup(self):
                self.data = urllib.request.urlopen("https://voices.example/a").read()
    '''))
    assert [code for _p, _l, code in _findings(tmp_path, "")] == ["AIO201"]


def test_a_bad_setting_is_one_line(tmp_path):
    (tmp_path / "a.py").write_text("async def f():\n    pass\n")
    for config, key in (('blocking-at-setup = "no"\n', "blocking-at-setup"),
                        ('setup-functions = "setup"\n', "setup-functions")):
        (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
        proc = run_cli(["--no-cache", "."], tmp_path)
        assert proc.returncode == 2
        err = proc.stderr.decode().strip()
        assert key in err and "Traceback" not in err and len(err.splitlines()) == 1
