"""pytest plugin: `pytest --asynclint-runtime` runs every test under the
runtime shim and fails a test whose run produced findings.

Registered as the `asynclint` pytest11 entry point; it does nothing (and
imports nothing heavy) unless `--asynclint-runtime` is given.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("asynclint", "asynclint runtime shim")
    group.addoption("--asynclint-runtime", action="store_true", default=False,
                    help="run tests under the asynclint runtime shim; fail tests with findings")
    group.addoption("--asynclint-slow-callback-ms", type=float, default=100.0,
                    help="slow callback threshold in ms (default 100)")
    group.addoption("--asynclint-select", default="", help="only these code prefixes")
    group.addoption("--asynclint-ignore", default="", help="skip these code prefixes")
    group.addoption("--asynclint-allow", default="",
                    help="comma-separated module:function allowed to block")


class _Plugin:
    def __init__(self, config):
        self.opts = dict(
            slow_callback_ms=config.getoption("asynclint_slow_callback_ms"),
            select=config.getoption("asynclint_select"),
            ignore=config.getoption("asynclint_ignore"),
            allow=config.getoption("asynclint_allow"),
        )
        from asynclint.runtime import install

        # Installed for the whole session (so modules imported at collection
        # time see the patched functions); each test gets its own listener.
        self.session_handle = install(**self.opts)

    def unconfigure(self):
        self.session_handle.uninstall()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        from asynclint.runtime import install
        from asynclint.runtime._core import collect_garbage

        handle = install(**self.opts)
        failed = True
        try:
            result = yield
            failed = False
        finally:
            try:
                collect_garbage()
            finally:
                handle.uninstall()
            if handle.findings:
                text = handle.format_text()
                if failed:
                    item.add_report_section("call", "asynclint runtime", text)
                else:
                    n = len(handle.findings)
                    pytest.fail(f"asynclint runtime: {n} finding{'s' if n != 1 else ''}\n{text}",
                                pytrace=False)
        return result


def pytest_configure(config):
    if config.getoption("asynclint_runtime", default=False):
        config.pluginmanager.register(_Plugin(config), "asynclint-runtime-shim")
        config.addinivalue_line("markers", "asynclint_runtime: run under the asynclint shim")


def pytest_unconfigure(config):
    plugin = config.pluginmanager.get_plugin("asynclint-runtime-shim")
    if plugin is not None:
        plugin.unconfigure()
