"""pytest plugin: `pytest --asynclint-runtime` runs every test under the
runtime shim and fails a test whose run produced findings;
`--asynclint-runtime=report` runs the suite to the end without failing tests
and prints a summary table.

Registered as the `asynclint` pytest11 entry point; it does nothing (and
imports nothing heavy) unless `--asynclint-runtime` is given.
"""
from __future__ import annotations

import os

import pytest

MODES = ("fail", "report")


def pytest_addoption(parser):
    group = parser.getgroup("asynclint", "asynclint runtime shim")
    group.addoption("--asynclint-runtime", nargs="?", const="fail", default=None,
                    metavar="fail|report",
                    help="run tests under the asynclint runtime shim: fail tests with findings "
                         "(default), or =report: never fail, print a summary table at the end")
    group.addoption("--asynclint-slow-callback-ms", type=float, default=100.0,
                    help="slow callback threshold in ms (default 100)")
    group.addoption("--asynclint-select", default="", help="only these code prefixes")
    group.addoption("--asynclint-ignore", default="", help="skip these code prefixes")
    group.addoption("--asynclint-allow", default="",
                    help="comma-separated module:function allowed to block")
    group.addoption("--asynclint-monitoring", action="store_true", default=False,
                    help="also use sys.monitoring (Python 3.12+)")
    group.addoption("--asynclint-gc", default="tracked", choices=("tracked", "test", "phase"),
                    help="when to run the cyclic garbage collector: only while a task or future "
                         "the shim tracks can still report (tracked, default), a full collection "
                         "after each test (test) or after each phase (phase; slow on big suites)")
    group.addoption("--asynclint-report", default=None, metavar="FILE",
                    help="write every runtime finding of the session as JSON, with test ids")


def _marker_codes(item):
    codes = []
    for mark in item.iter_markers("asynclint_allow"):
        for arg in mark.args:
            codes.extend(c.strip().upper() for c in str(arg).replace(" ", ",").split(",")
                         if c.strip())
    return codes


class _Plugin:
    def __init__(self, config, mode):
        from asynclint.runtime import install

        self.mode = mode
        self.opts = dict(
            slow_callback_ms=config.getoption("asynclint_slow_callback_ms"),
            select=config.getoption("asynclint_select"),
            ignore=config.getoption("asynclint_ignore"),
            allow=config.getoption("asynclint_allow"),
        )
        self.report = config.getoption("asynclint_report")
        self.gc = config.getoption("asynclint_gc")
        # Installed for the whole session (so modules imported at collection
        # time see the patched functions); each test gets its own listener
        # from setup to the end of teardown (async fixtures included), and a
        # listener for the time between tests catches the rest.
        self.session_handle = install(
            monitoring=config.getoption("asynclint_monitoring"), **self.opts)
        self.outside = install(**self.opts)
        self.outside_findings = []
        self.handles = {}
        self.reported = {}
        self.occurrences = []  # one entry per finding location per test
        self.finished = False

    # -- per test -----------------------------------------------------------
    def _collect(self, phase):
        import gc

        from asynclint.runtime._core import collect_pending

        if self.gc == "tracked":
            collect_pending()
        elif self.gc == "phase" or phase == "teardown":
            gc.collect()

    def _new_findings(self, item, phase):
        handle = self.handles.get(item.nodeid)
        if handle is None:
            return []
        self._collect(phase)
        seen = self.reported.setdefault(item.nodeid, set())
        new = [d for d in handle.sorted_findings() if (d.code, d.path, d.line) not in seen]
        seen.update((d.code, d.path, d.line) for d in new)
        return new

    def _check(self, item, phase, failed):
        new = self._new_findings(item, phase)
        if not new:
            return
        text = "".join(d.format_text() + "\n" for d in new)
        if failed or self.mode == "report":
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

        self._close_outside()
        opts = dict(self.opts)
        allowed = _marker_codes(item)
        if allowed:
            opts["ignore"] = ",".join(filter(None, [opts["ignore"], *allowed]))
        self.handles[item.nodeid] = install(**opts)
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        from asynclint.runtime import install
        from asynclint.runtime._core import to_json

        try:
            return (yield from self._phase(item, "teardown"))
        finally:
            handle = self.handles.pop(item.nodeid, None)
            self.reported.pop(item.nodeid, None)
            if handle is not None:
                handle.uninstall()
                for d in handle.sorted_findings():
                    entry = to_json(d)
                    entry["test"] = item.nodeid
                    entry["count"] = dict(d.extra).get("count", 1)
                    self.occurrences.append(entry)
            self.outside = install(**self.opts)

    def _close_outside(self):
        if self.outside is not None:
            self.outside.uninstall()
            self.outside_findings.extend(self.outside.sorted_findings())
            self.outside = None

    # -- session ------------------------------------------------------------
    def _all_entries(self):
        from asynclint.runtime._core import to_json

        entries = list(self.occurrences)
        for d in self.outside_findings:
            entry = to_json(d)
            entry["test"] = None
            entry["count"] = dict(d.extra).get("count", 1)
            entries.append(entry)
        return entries

    def summary_rows(self):
        rows = {}
        for e in self._all_entries():
            key = (e["code"], e["path"], e["line"])
            row = rows.setdefault(key, {"count": 0, "tests": [], "message": e["message"]})
            row["count"] += e["count"]
            if e["test"] is not None and e["test"] not in row["tests"]:
                row["tests"].append(e["test"])
        return sorted(rows.items())

    def terminal_summary(self, terminalreporter):
        rows = self.summary_rows()
        tr = terminalreporter
        tr.section("asynclint runtime")
        if not rows:
            tr.write_line("no findings")
            return
        table = [("code", "location", "count", "tests", "first test")]
        for (code, path, line), row in rows:
            first = row["tests"][0] if row["tests"] else "(outside tests)"
            table.append((code, f"{path}:{line}", str(row["count"]), str(len(row["tests"])),
                          first))
        widths = [max(len(r[i]) for r in table) for i in range(4)]
        for r in table:
            tr.write_line("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
        n = len(rows)
        tr.write_line(f"asynclint runtime: {n} finding{'s' if n != 1 else ''}"
                      f" ({sum(r['count'] for _, r in rows)} occurrences)")

    def finish(self):
        from asynclint.runtime._core import collect_garbage, write_json

        if self.finished:
            return
        self.finished = True
        collect_garbage()  # once, at the end: what only the cyclic collector finds
        self._close_outside()
        if self.report:
            write_json(self._all_entries(), self.report)

    def unconfigure(self):
        self.finish()
        self.session_handle.uninstall()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "asynclint_allow(*codes): the asynclint runtime shim ignores these code "
                   "prefixes in this test (a known blocking call)")
    value = config.getoption("asynclint_runtime", default=None)
    if value is None:
        return
    if value not in MODES:
        # `pytest --asynclint-runtime tests/`: the optional value took a path
        if not os.path.exists(value.split("::")[0]):
            raise pytest.UsageError(
                f"--asynclint-runtime takes 'fail' or 'report', not {value!r}")
        if config.option.file_or_dir:
            config.args.insert(0, value)
        else:
            config.args[:] = [value]
        value = "fail"
    config.pluginmanager.register(_Plugin(config, value), "asynclint-runtime-shim")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    plugin = session.config.pluginmanager.get_plugin("asynclint-runtime-shim")
    if plugin is not None:
        plugin.finish()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    plugin = config.pluginmanager.get_plugin("asynclint-runtime-shim")
    if plugin is not None:
        plugin.terminal_summary(terminalreporter)


def pytest_unconfigure(config):
    plugin = config.pluginmanager.get_plugin("asynclint-runtime-shim")
    if plugin is not None:
        plugin.unconfigure()
