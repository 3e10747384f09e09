"""Configuration: `[tool.asynclint]` in pyproject.toml, then command-line overrides.

Every value is validated here; a bad one raises `ConfigError` with a one-line
message naming the key, the value and where it came from (the CLI turns it
into `asynclint: error: ...`, exit 2).
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional

from .diagnostics import FAMILIES
from .knowledge.file_kinds import TOOLING_PATHS
from .knowledge.setup import SETUP_FACTORIES, SETUP_FUNCTIONS
from .knowledge.startup import STARTUP_FUNCTIONS, STARTUP_HOOKS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    pass


DEFAULT_EXCLUDES = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".env", "env",
    "__pycache__", "build", "dist", "node_modules", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".asynclint_cache", "*.egg-info", "site-packages",
)


@dataclass
class Config:
    select: Optional[List[str]] = None
    ignore: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    extend_ignore: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    exclude: List[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    extend_exclude: List[str] = field(default_factory=list)
    respect_gitignore: bool = True
    # Knowledge the index cannot see (dotted names).
    extra_blocking_calls: List[str] = field(default_factory=list)
    allowed_blocking_calls: List[str] = field(default_factory=list)
    extra_coroutine_functions: List[str] = field(default_factory=list)
    preserving_decorators: List[str] = field(default_factory=list)
    thread_entry_points: List[str] = field(default_factory=list)
    # AIO208: one finding per caller instead of one per blocking call.
    report_each_caller: bool = False
    # `# noqa: ASYNC230` (ruff / flake8-async codes) silences the matching
    # asynclint finding (knowledge/noqa_codes.py).
    foreign_noqa: bool = True
    # AIO2xx in test code (test_*.py, *_test.py, conftest.py, tests/).
    blocking_in_tests: bool = False
    # AIO2xx in developer tooling shipped in the project (`tooling-paths`).
    blocking_in_tooling: bool = False
    tooling_paths: List[str] = field(default_factory=lambda: list(TOOLING_PATHS))
    # AIO2xx in code that runs only while a debug flag from the environment
    # is on (index/debug_flags.py).
    blocking_in_debug_code: bool = False
    # AIO2xx in start-up/shutdown code (index/startup.py): function-name
    # patterns and hook decorators/registrations that mark it.
    blocking_at_startup: bool = False
    startup_functions: List[str] = field(default_factory=lambda: list(STARTUP_FUNCTIONS))
    startup_hooks: List[str] = field(default_factory=lambda: list(STARTUP_HOOKS))
    # AIO2xx in the own work of one-shot command-line programs that serve
    # nothing (index/one_shot.py).
    blocking_in_commands: bool = False
    # AIO203 / file-only AIO208 in the set-up code of a resource
    # (index/setup.py): set-up method names and async factory names.
    blocking_at_setup: bool = False
    setup_functions: List[str] = field(default_factory=lambda: list(SETUP_FUNCTIONS))
    setup_factories: List[str] = field(default_factory=lambda: list(SETUP_FACTORIES))
    # Environment whose installed packages the index may read (--python).
    python: Optional[str] = None
    # Where the file values came from, for messages.
    origin: str = "defaults"
    root: Optional[Path] = None

    # -- rule selection ---------------------------------------------------
    def enabled_codes(self, rules: Dict[str, object]) -> FrozenSet[str]:
        selected = self.select
        chosen = []
        for code, rule in rules.items():
            opt_in = not getattr(rule, "default_enabled", True)
            sel = _best_prefix(code, selected) if selected is not None else (None if opt_in else 0)
            ext = _best_prefix(code, self.extend_select)
            if opt_in:  # opt-in rules need their full code, or ALL
                if sel is not None and sel < len(code) and "ALL" not in (selected or ()):
                    sel = None
                if ext is not None and ext < len(code) and "ALL" not in self.extend_select:
                    ext = None
            on = max(x for x in (sel, ext, -1) if x is not None)
            off = _best_prefix(code, [*self.ignore, *self.extend_ignore])
            if on >= 0 and (off is None or on > off):
                chosen.append(code)
        return frozenset(chosen)

    def ignored_for(self, path: str, absolute: Optional[Path] = None) -> List[str]:
        """Codes ignored for a file. Patterns are matched against the path
        relative to the folder of the config file (as ruff does), and against
        the path as displayed."""
        candidates = [path]
        if absolute is not None and self.root is not None:
            try:
                candidates.append(absolute.relative_to(self.root).as_posix())
            except ValueError:
                pass
        out: List[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if any(_path_matches(c, pattern) for c in candidates):
                out.extend(codes)
        return out

    def fingerprint(self, enabled: Iterable[str]) -> str:
        """Stable hash of everything that changes findings (for the cache)."""
        payload = {
            "enabled": sorted(enabled),
            "knowledge": [self.extra_blocking_calls, self.allowed_blocking_calls,
                          self.extra_coroutine_functions, self.preserving_decorators,
                          self.thread_entry_points],
            "views": [self.report_each_caller, self.foreign_noqa, self.blocking_in_tests,
                      self.blocking_at_startup, self.startup_functions, self.startup_hooks,
                      self.blocking_in_tooling, self.tooling_paths, self.blocking_in_debug_code,
                      self.blocking_in_commands, self.blocking_at_setup, self.setup_functions,
                      self.setup_factories],
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _best_prefix(code: str, prefixes: Optional[Iterable[str]]) -> Optional[int]:
    best = None
    for prefix in prefixes or ():
        p = "AIO" if prefix == "ALL" else prefix
        if code.startswith(p) and (best is None or len(p) > best):
            best = len(p)
    return best


def _path_matches(path: str, pattern: str) -> bool:
    path = path.replace("\\", "/")
    if fnmatch.fnmatch(path, pattern):
        return True
    # A pattern without a slash matches the file name at any depth.
    return "/" not in pattern and fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern)


# -- loading ----------------------------------------------------------------
_LIST_KEYS = {
    "select", "ignore", "extend-select", "extend-ignore", "exclude", "extend-exclude",
    "extra-blocking-calls", "allowed-blocking-calls", "extra-coroutine-functions",
    "preserving-decorators", "thread-entry-points", "startup-functions", "startup-hooks", "tooling-paths",
    "setup-functions", "setup-factories",
}
_BOOL_KEYS = {"respect-gitignore", "report-each-caller", "foreign-noqa", "blocking-in-tests", "blocking-at-startup",
              "blocking-in-tooling", "blocking-in-debug-code", "blocking-in-commands", "blocking-at-setup"}
_TABLE_KEYS = {"per-file-ignores"}
KNOWN_KEYS = _LIST_KEYS | _BOOL_KEYS | _TABLE_KEYS
_CODE_KEYS = {"select", "ignore", "extend-select", "extend-ignore"}

# Which rules each knowledge setting changes (code prefixes), for the rule docs.
_CALL_RULES = ("AIO200", "AIO201", "AIO202", "AIO203", "AIO204", "AIO205", "AIO206", "AIO207", "AIO208")
SETTING_RULES = {
    "extra-coroutine-functions": ("AIO100", "AIO101", "AIO102", "AIO103"),
    "preserving-decorators": ("AIO100", "AIO101", "AIO102", "AIO103"),
    "extra-blocking-calls": _CALL_RULES,
    "allowed-blocking-calls": _CALL_RULES,
    "thread-entry-points": ("AIO3",),
}


def settings_for(code: str) -> List[str]:
    """The knowledge settings that change what rule `code` reports."""
    return [key for key, prefixes in SETTING_RULES.items() if any(code.startswith(p) for p in prefixes)]


def find_pyproject(start: Path) -> Optional[Path]:
    try:
        start = start.resolve()
    except OSError:
        start = Path.cwd()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def read_toml(path: Path) -> Dict[str, object]:
    """A TOML file as a dict; every way it can be bad is one ConfigError line."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "TOML files must be UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return data


def _section(data: Dict[str, object], path: Path) -> Optional[Dict[str, object]]:
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table, got {tool!r}")
    section = tool.get("asynclint")
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.asynclint] must be a table, got {section!r}")
    return section


def load_file(path: Path, required_section: bool = False) -> Dict[str, object]:
    section = _section(read_toml(path), path)
    if section is None:
        if required_section:
            raise ConfigError(f"{path}: no [tool.asynclint] section")
        return {}
    return section


def load_any(path: Path) -> Dict[str, object]:
    """A file named with --config: its [tool.asynclint] table if it has one
    (a pyproject.toml), else the whole file (an asynclint.toml)."""
    data = read_toml(path)
    section = _section(data, path)
    return section if section is not None else data


def load(start: Path, config_file: Optional[str] = None, isolated: bool = False,
         known_codes: Optional[Iterable[str]] = None) -> Config:
    """The one configuration loader of the CLI and the flake8 plugin: the
    file named by --config, else the nearest pyproject.toml above `start`
    (none with `isolated`), validated, as a Config."""
    if known_codes is None:
        from .rules import all_rules
        known_codes = list(all_rules())
    known = list(known_codes)
    if config_file is not None:
        cfg_path = Path(config_file)
        if cfg_path.is_dir():
            raise ConfigError(f"--config {config_file}: is a folder, not a TOML file")
        if not cfg_path.is_file():
            raise ConfigError(f"--config {config_file}: no such file")
        origin = str(cfg_path)
        return build(validate(load_any(cfg_path), origin, known), origin, None)
    if not isolated:
        pyproject = find_pyproject(start)
        if pyproject is not None:
            origin = f"{pyproject} [tool.asynclint]"
            return build(validate(load_file(pyproject), origin, known), origin, pyproject.parent)
    return build({}, "defaults", None)


def validate(values: Dict[str, object], origin: str, known_codes: Iterable[str]) -> Dict[str, object]:
    known = list(known_codes)
    out: Dict[str, object] = {}
    for key, value in values.items():
        where = f"{origin}: `{key}`"
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{origin}: unknown option `{key}` (known: {', '.join(sorted(KNOWN_KEYS))})")
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} must be a list of strings, got {value!r}")
            if key in _CODE_KEYS:
                for code in value:
                    check_code(code, known, where)
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false, got {value!r}")
        elif key in _TABLE_KEYS:
            if not isinstance(value, dict) or not all(
                    isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()):
                raise ConfigError(f"{where} must be a table of glob = [codes], got {value!r}")
            for codes in value.values():
                for code in codes:
                    check_code(code, known, where)
        out[key.replace("-", "_")] = value
    return out


def check_code(code: str, known: List[str], where: str) -> None:
    if code in ("ALL", "AIO") or code in FAMILIES:  # a whole family is always a valid choice
        return
    if not any(k.startswith(code) for k in known):
        raise ConfigError(f"{where}: unknown rule code or prefix {code!r}")


def build(values: Dict[str, object], origin: str, root: Optional[Path]) -> Config:
    cfg = Config(origin=origin, root=root)
    names = {f.name for f in fields(Config)}
    for key, value in values.items():
        if key in names:
            setattr(cfg, key, value)
    return cfg
