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
    group.addoption("--asynclint-monitoring", action="store_true", default=False,
                    help="also use sys.monitoring (Python 3.12+)")
    group.addoption("--asynclint-report", default=None, metavar="FILE",
                    help="write all runtime findings of the session as JSON")


class _Plugin:
    def __init__(self, config):
        self.opts = dict(
            slow_callback_ms=config.getoption("asynclint_slow_callback_ms"),
            select=config.getoption("asynclint_select"),
            ignore=config.getoption("asynclint_ignore"),
            allow=config.getoption("asynclint_allow"),
        )
        self.report = config.getoption("asynclint_report")
        from asynclint.runtime import install

        # Installed for the whole session (so modules imported at collection
        # time see the patched functions); each test gets its own listener
        # from setup to the end of teardown (async fixtures included).
        self.session_handle = install(
            monitoring=config.getoption("asynclint_monitoring"), **self.opts)
        self.handles = {}
        self.reported = {}

    def unconfigure(self):
        self.session_handle.uninstall()
        if self.report:
            from asynclint.runtime._core import write_report

            write_report(self.session_handle.findings, self.report)

    def _new_findings(self, item):
        from asynclint.runtime._core import collect_garbage

        handle = self.handles.get(item.nodeid)
        if handle is None:
            return []
        collect_garbage()
        seen = self.reported.setdefault(item.nodeid, set())
        new = [d for d in handle.sorted_findings() if (d.code, d.path, d.line) not in seen]
        seen.update((d.code, d.path, d.line) for d in new)
        return new

    def _check(self, item, phase, failed):
        new = self._new_findings(item)
        if not new:
            return
        text = "".join(d.format_text() + "\n" for d in new)
        if failed:
            item.add_report_section(phase, "asynclint runtime", text)
        else:
            n = len(new)
            pytest.fail(f"asynclint runtime: {n} finding{'s' if n != 1 else ''}\n{text}",
                        pytrace=False)

    def _phase(self, item, phase):
        failed = True
        try:
            result = yield
            failed = False
        finally:
            self._check(item, phase, failed)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        from asynclint.runtime import install

        self.handles[item.nodeid] = install(**self.opts)
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        try:
            return (yield from self._phase(item, "teardown"))
        finally:
            handle = self.handles.pop(item.nodeid, None)
            self.reported.pop(item.nodeid, None)
            if handle is not None:
                handle.uninstall()


def pytest_configure(config):
    if config.getoption("asynclint_runtime", default=False):
        config.pluginmanager.register(_Plugin(config), "asynclint-runtime-shim")
        config.addinivalue_line("markers", "asynclint_runtime: run under the asynclint shim")


def pytest_unconfigure(config):
    plugin = config.pluginmanager.get_plugin("asynclint-runtime-shim")
    if plugin is not None:
        plugin.unconfigure()
