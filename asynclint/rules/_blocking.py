"""What the AIO2xx rules share: one classification per call (cached on the
node), the phase-1 bookkeeping the transitive pass needs, and the common
check, which the engine runs once per node for all the rules that use it
unchanged (`BlockingFamily`), not once per rule."""
from __future__ import annotations

import ast
import fnmatch
import functools
import os
from pathlib import Path
from typing import Optional

from ..diagnostics import Applicability, Fix, Fixability
from ..index import blocking as B
from ..index.blocking import LocalEnv, knobs_of
from ..index.modules import real_folder
from ..index import debug_flags, once
from ..index.nodes import called_name, own_nodes, parent_of
from ..index.one_shot import OneShot
from ..index.setup import ResourceSetup
from ..index.startup import Startup
from ..knowledge.file_kinds import TEST_DIRS
from ._text import callee_text, kept_for, mentions, source
from .base import Rule

_CACHE_ATTR = "_asynclint_aio2"
# Reading or writing file data: the one family left alone in set-up code.
FILE_IO_CODE = "AIO203"
_MISS = ("none",)


def local_env(ctx) -> LocalEnv:
    state = ctx.scopes[0].state
    env = state.get("AIO2-env")
    if env is None:
        env = state["AIO2-env"] = LocalEnv(knobs_of(ctx.options))
        state["AIO2-knobs"] = knobs_of(ctx.options)
    return env


def knobs(ctx) -> tuple:
    local_env(ctx)
    return ctx.scopes[0].state["AIO2-knobs"]


def file_kind(ctx) -> str:
    """What the file is, from its path within the project: "test" (a pytest
    test module or helper: `test_*.py`, `*_test.py`, `conftest.py`, or under
    a `tests/`, `test/` or `testing/` folder), "tooling" (developer tooling
    shipped in the project: a folder or file matching `tooling-paths`,
    by default `evals/`, `benchmarks/`) or "code". Tests win over
    tooling (a `scripts/tests/` file is a test). The one owner of this
    question; computed once per file."""
    state = ctx.scopes[0].state
    found = state.get("AIO2-kind")
    if found is None:
        parts = _project_parts(ctx)
        found = state["AIO2-kind"] = _kind(tuple(parts[:-1]), parts[-1],
                                           tuple(getattr(ctx.options, "tooling_paths", ())))
    return found


def _kind(folder: tuple, name: str, patterns: tuple) -> str:
    """`file_kind` of the file `name` in the project folder `folder` (its
    parts): what the folder says is decided once for all its files."""
    in_tests, in_tooling = _folder_kind(folder, patterns)
    stem = name.removesuffix(".py")
    if in_tests or stem.startswith("test_") or stem.endswith("_test") or stem == "conftest":
        return "test"
    if in_tooling or _matches_tooling(folder, name, patterns):
        return "tooling"
    return "code"


@functools.lru_cache(maxsize=4096)
def _folder_kind(folder: tuple, patterns: tuple) -> tuple:
    """(the folder is in a test folder, a folder of it matches a
    `tooling-paths` pattern without `/`)."""
    in_tests = any(p in TEST_DIRS for p in folder)
    in_tooling = any(fnmatch.fnmatchcase(part, pattern) for pattern in _plain(patterns) for part in folder)
    return in_tests, in_tooling


def _plain(patterns: tuple) -> list:
    """The patterns without `/` (trimmed): each names a folder or file at any depth."""
    return [p for p in (p.strip("/") for p in patterns) if p and "/" not in p]


def _rooted(patterns: tuple) -> list:
    """The patterns with `/` (trimmed): each a path from the project root."""
    return [p for p in (p.strip("/") for p in patterns) if "/" in p]


def _matches_tooling(folder: tuple, name: str, patterns: tuple) -> bool:
    """The file matches a `tooling-paths` pattern by its own name (one
    without `/`) or by its path from the project root (one with `/`:
    `tools/*`, `src/app/devtools`); its folders are `_folder_kind`'s."""
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _plain(patterns)):
        return True
    rooted = _rooted(patterns)
    if not rooted:
        return False
    path = "/".join((*folder, name))
    return any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, p + "/*") for p in rooted)


def in_quiet_file(ctx) -> bool:
    """Blocking calls in this file are left alone: test code (unless
    `blocking-in-tests = true`), because a test's own loop serves nobody and
    the triage of real applications found no blocking call in tests that a
    maintainer would change; developer tooling (unless `blocking-in-tooling
    = true`), because an eval harness or a benchmark writing its logs serves
    nobody either. Only the AIO2 rules ask: a coroutine never awaited or a
    task dropped is a bug there too. Asked for every call in async code:
    decided once per file."""
    state = ctx.scopes[0].state
    quiet = state.get("AIO2-quiet")
    if quiet is None:
        kind = file_kind(ctx)
        if kind == "test":
            quiet = not getattr(ctx.options, "blocking_in_tests", False)
        elif kind == "tooling":
            quiet = not getattr(ctx.options, "blocking_in_tooling", False)
        else:
            quiet = False
        state["AIO2-quiet"] = quiet
    return quiet


def _per_module(ctx, key: str, build):
    """What `build()` derives once per module (a context scan), kept in the
    module scope's state for the rest of the walk."""
    state = ctx.scopes[0].state
    found = state.get(key)
    if found is None:
        found = state[key] = build()
    return found


def left_alone_here(ctx) -> bool:
    """A blocking call at the current node is not reported: start-up or
    one-time work (`blocking-at-startup`), or debug-only code
    (`blocking-in-debug-code`), or a one-shot command's own work
    (`blocking-in-commands`). Asked only once a call is known to block, by
    up to three rules at the same node (the family, AIO208, AIO210): the
    answer is kept for the node being visited, and decided once per
    statement."""
    return _for_node(ctx, "AIO2-alone", _for_statement_left_alone)


def _for_statement_left_alone(ctx) -> bool:
    return _for_statement(ctx, "AIO2-alone-by-statement", _left_alone_here)


def _left_alone_here(ctx) -> bool:
    if in_one_shot_command(ctx):
        return True
    options = ctx.options
    quiet_startup = not getattr(options, "blocking_at_startup", True)
    quiet_debug = not getattr(options, "blocking_in_debug_code", True)
    fn = ctx.function
    if fn is None or not (quiet_startup or quiet_debug):
        return False
    steps, loop = _path_down(fn.node, ctx.node)
    if steps is None:
        return False
    # start-up code: the function is (a whole start-up function, or a main
    # coroutine), outside its loops; or one-time work (a lazy `if`'s body)
    if quiet_startup and ((not loop and _startup_function(ctx, fn)) or _in_once_block(ctx, steps)):
        return True
    return quiet_debug and _in_debug_code(ctx, steps)


def _path_down(fn_node: ast.AST, node: ast.AST):
    """The steps (parent, child) from `fn_node` down to `node` whose child
    is a statement (only a statement can be in a block: the once-only and
    debug-only tests look at no other step), innermost first, and whether a
    loop lies between them; (None, False) when `fn_node` is not above
    `node`. Up through the parent links: no list of all the ancestors."""
    steps = []
    loop = False
    stmt_type, loop_types = ast.stmt, _LOOP_TYPES
    child, parent = node, parent_of(node)
    while parent is not None:
        if isinstance(child, stmt_type):
            steps.append((parent, child))
        if parent is fn_node:
            return steps, loop
        if type(parent) in loop_types:
            loop = True
        child, parent = parent, parent_of(parent)
    return None, False


_LOOP_TYPES = frozenset({ast.For, ast.AsyncFor, ast.While})


def _lineage(fn) -> tuple:
    """The ancestors of the function's node, outermost first, and the node
    itself: what `Startup.covers` and `ResourceSetup.covers` read to decide
    for the function as a whole (no loop lies in it). Once per function."""
    found = fn.state.get("AIO2-lineage")
    if found is None:
        chain = [fn.node]
        node = parent_of(fn.node)
        while node is not None:
            chain.append(node)
            node = parent_of(node)
        chain.reverse()
        found = fn.state["AIO2-lineage"] = tuple(chain)
    return found


def _startup_function(ctx, fn) -> bool:
    """The function is start-up code as a whole (index/startup.py: named,
    registered or decorated so, or a main coroutine): its statements
    outside loops run once. Decided once per function."""
    found = fn.state.get("AIO2-startup-function")
    if found is None:
        options = ctx.options
        startup = _per_module(ctx, "AIO2-startup", lambda: Startup(ctx.scopes[0].node, options.startup_functions,
                                                                    options.startup_hooks, ctx.text()))
        found = fn.state["AIO2-startup-function"] = startup.covers(fn.node, _lineage(fn))
    return found


def _for_statement(ctx, key: str, decide):
    """`decide(ctx)` for the node being visited, decided once for all the
    nodes of the innermost statement around it in the same function: the
    start-up, one-time, debug-only, one-shot and set-up tests read only the
    function and the statements from it down (its loops, its `if` blocks),
    never the expressions between a statement and the call, so every call
    of `self.x = await self.a.f(self.b.g())` gets the same answer."""
    node = ctx.node
    statement = node
    stmt_type = ast.stmt
    while statement is not None and not isinstance(statement, stmt_type):
        statement = parent_of(statement)
    fn = ctx.function
    if statement is None or fn is None:
        return decide(ctx)
    decided = ctx.scopes[0].state.get(key)
    if decided is None:
        decided = ctx.scopes[0].state[key] = {}
    where = (id(statement), id(fn.node))
    found = decided.get(where)
    if found is None:
        found = decided[where] = decide(ctx)
    return found


def _for_node(ctx, key: str, decide):
    """`decide(ctx)` for the node being visited, decided once however many
    of the blocking rules ask at that node (the last node's answer is kept
    in the module scope's state under `key`)."""
    return kept_for(ctx, key, ctx.node, decide, ctx)


def in_one_shot_command(ctx) -> bool:
    """The call is the own work of a one-shot command-line program that
    serves nothing (index/one_shot.py), when blocking there is not reported
    (`blocking-in-commands = false`, the default): it delays only the
    command itself."""
    if getattr(ctx.options, "blocking_in_commands", True):
        return False
    fn = ctx.function
    if fn is None:
        return False
    commands = _per_module(ctx, "AIO2-one-shot", lambda: OneShot(ctx.scopes[0].node, ctx.text()))
    return commands.covers(fn.node)


def in_setup_code(ctx) -> bool:
    """The current node runs once while a resource is set up
    (index/setup.py: a `setup`/`init_*`/`on_mount` method and what it
    awaits of its own, an async factory `open_*`/`create_*` or classmethod
    building a project object), outside loops: file I/O there is not
    reported (`blocking-at-setup = false`, the default). The caller asks
    only for file I/O: a download or a subprocess there is still reported.
    Decided once per statement (AIO203 and AIO208 both ask)."""
    return _for_node(ctx, "AIO2-setup-here", _for_statement_in_setup)


def _for_statement_in_setup(ctx) -> bool:
    return _for_statement(ctx, "AIO2-setup-by-statement", _in_setup_code)


def _in_setup_code(ctx) -> bool:
    options = ctx.options
    if getattr(options, "blocking_at_setup", True):
        return False
    fn = ctx.function
    if fn is None or not fn.is_async:
        return False
    setup = _per_module(ctx, "AIO2-setup", lambda: ResourceSetup(options.setup_functions, options.setup_factories,
                                                                  lambda func: _project_class(ctx, func)))
    if setup.ruled_out(fn.node):
        return False  # no statement of the function is: no path down to this one needed
    steps, loop = _path_down(fn.node, ctx.node)
    if steps is None or loop:
        return False
    # the function as a whole decides the rest; it is decided (its
    # `project_class` questions asked) where its first call outside a loop is
    return setup.covers(fn.node, _lineage(fn))


def _used_in_loop(ctx, call: ast.Call) -> bool:
    """The file a set-up call opens (`with open(p) as f`, `f = open(p)`) is
    used inside a loop of the same function: it streams there, chunk by
    chunk, and the opening call is the finding that stands for it (the
    reads on `f` are not reported apart)."""
    if called_name(call.func) not in ("open", "fdopen"):
        return False  # data read at once (`read_bytes()`): a loop over it reads memory
    parents = ctx.parents
    holder = parents[-1] if parents else None
    if isinstance(holder, ast.withitem) and holder.context_expr is call:
        target = holder.optional_vars
    elif isinstance(holder, ast.Assign) and holder.value is call and len(holder.targets) == 1:
        target = holder.targets[0]
    else:
        return False
    if not isinstance(target, ast.Name):
        return False
    for node in walk_function(ctx.function.node):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            if any(isinstance(n, ast.Name) and n.id == target.id for n in ast.walk(node)):
                return True
    return False


def _project_class(ctx, func: ast.AST) -> bool:
    """`func` names a class of the project: of this module, or (by the
    capitalised last name) imported from the package this module is in."""
    name = ctx.qualified_name(func)
    if not name:
        return False
    last = name.rpartition(".")[2]
    if not last[:1].isupper():
        return False
    if name.rpartition(".")[0] == ctx.module.name and last in ctx.module.classes:
        return True
    top = ctx.module.name.partition(".")[0]
    return "." in ctx.module.name and name.startswith(top + ".")


def module_debug_flags(ctx) -> frozenset:
    state = ctx.scopes[0].state
    flags = state.get("AIO2-debug-flags")
    if flags is None:
        flags = state["AIO2-debug-flags"] = debug_flags.module_flags(ctx.scopes[0].node)
    return flags


def _in_debug_code(ctx, steps: list) -> bool:
    """The current node (`steps`: from `_path_down`) runs only while a
    debug flag from the environment is on (index/debug_flags.py), when
    blocking there is not reported (`blocking-in-debug-code = false`, the
    default)."""
    flags = module_debug_flags(ctx)
    if not flags and not mentions(ctx, ENVIRONMENT_WORDS):
        return False  # no flag, and no test can read the environment
    # each step down the chain (a block of `parent` holding `child`) is
    # decided once: every call below that step asks the same
    decided = _per_module(ctx, "AIO2-debug-steps", dict)
    for parent, child in steps:
        key = (id(parent), id(child))
        found = decided.get(key)
        if found is None:
            found = decided[key] = _debug_step(parent, child, flags)
        if found:
            return True
    return False


# What a test reading the environment spells (`debug_flags.env_read`).
ENVIRONMENT_WORDS = ("getenv", "environ")


def _debug_step(parent: ast.AST, child: ast.AST, flags: frozenset) -> bool:
    """`child`, in a block of `parent`, runs only while a debug flag is on:
    it is in the body of `if FLAG:`, or after `if not FLAG: return`."""
    block = debug_flags.block_of(child, parent)
    if block is None:
        return False
    if type(parent) is ast.If and block is parent.body:
        if any(a <= child.lineno <= b for a, b in debug_flags.debug_ranges(parent, None, flags)):
            return True
    for stmt in block:
        if stmt is child:
            break
        if type(stmt) is ast.If and any(a <= child.lineno <= b
                                        for a, b in debug_flags.debug_ranges(stmt, block, flags)):
            return True
    return False


def _in_once_block(ctx, steps: list) -> bool:
    """The current node (`steps`: from `_path_down`) lies in the body of a
    lazy initialisation of the current function (index/once.py)."""
    for parent, child in steps:
        if type(parent) is ast.If and child in parent.body and once_if(ctx, parent):
            return True
    return False


def once_if(ctx, node: ast.If) -> bool:
    """`node`, an `if` of the current function, guards one-time work
    (index/once.py); decided once per `if`."""
    cache = ctx.scopes[0].state.setdefault("AIO2-once", {})
    found = cache.get(id(node))
    if found is None and type(once.guarded_target(node.test)) is ast.Name and not mentions(ctx, ("global",)):
        # `if x is None:` memoises only into a name declared `global`: none
        # in a file that never says so (most `x is None` tests are on locals)
        found = cache[id(node)] = False
    if found is None:
        fn = ctx.function
        klass = None
        scopes = ctx.scopes
        for i in range(len(scopes) - 1, 0, -1):
            if scopes[i] is fn:
                if scopes[i - 1].kind == "class":
                    klass = scopes[i - 1].node
                break
        found = cache[id(node)] = once.once_block(node, fn.node, klass, scopes[0].node)
    return found


def _project_parts(ctx) -> list:
    """The file's path within the project (from the configuration's root,
    else the working directory), not the absolute path: a checkout under
    /home/me/tests/ is not test code."""
    raw = ctx.module.path or ""
    root = getattr(ctx.options, "root", None)
    name = os.path.basename(raw)
    # the files of a folder share its answer: the folder's place is found
    # once (a file that is itself a symlink is resolved whole, below)
    if name and name not in (".", "..") and not os.path.islink(raw):
        folder = _folder_parts(os.path.dirname(raw), None if root is None else str(root), os.getcwd())
        return list(folder) + [name] if folder is not None else ctx.module.name.split(".")[:-1] + [name]
    path = Path(raw)
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return list(path.resolve().relative_to(_resolved(str(base))).parts) or [path.name]
        except (ValueError, OSError):
            continue
    return ctx.module.name.split(".")[:-1] + [path.name]


@functools.lru_cache(maxsize=8)
def _resolved(folder: str) -> Path:
    """The root or working directory, resolved once per process, not per file."""
    return Path(folder).resolve()


@functools.lru_cache(maxsize=4096)
def _folder_parts(folder: str, root, cwd: str):
    """The parts of the real path of `folder` (as given: made absolute
    here, once per folder) within the root, else the working directory;
    None when it is in neither."""
    folder = os.path.normpath(os.path.join(cwd, folder))  # `os.path.abspath`
    for base in (root, cwd):
        if base is None:
            continue
        try:
            return tuple(Path(_real_folder(folder)).relative_to(_resolved(base)).parts)
        except (ValueError, OSError):
            continue
    return None


_REAL_FOLDERS: dict = {}  # shared by the files of a process, dropped when large (a long-lived server)


def _real_folder(folder: str) -> str:
    """`os.path.realpath` of a normalised absolute folder, from its parent's
    (`index.modules.real_folder`): one look at the folder itself instead of
    one per part of its path."""
    if len(_REAL_FOLDERS) > 8192:
        _REAL_FOLDERS.clear()
    return real_folder(folder, _REAL_FOLDERS)


def analyse(ctx, call: ast.Call) -> tuple:
    """("hit", code, api, alternative) | ("defer", sym) | ("none",)."""
    cached = getattr(call, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    result = _MISS
    awaited = B.is_offloaded_or_awaited(ctx, call)
    sym = B.call_symbol(ctx, call)
    if sym is not None:
        env = local_env(ctx)
        hit = env.classify(sym)
        if hit is not None:
            # Awaited (`await x.get()`, `async with x.open()`): when the API
            # was recognised by its receiver's type, the type guess is wrong
            # (an async client); a plain dotted name (`open`, `requests.get`)
            # is certain, and awaiting it is a bug on top.
            by_type = hit[1] != B.canonical(env.name(sym))
            if not ((awaited and by_type) or B.returns_at_once(hit[1], call)
                    or _already_reported_file(ctx, call, hit[1]) or _receiver_reported(ctx, call)
                    or harmless_receiver(ctx, call, hit[1]) or B.lazy_listing_unconsumed(ctx, call, hit[1])
                    or (called_name(call.func) in B.NONBLOCKING_MODE_ATTRS and B.expects_nonblocking(ctx))):
                result = ("hit", *hit)
        elif not awaited and B.needs_index(sym) and not (called_name(call.func) in B.NONBLOCKING_MODE_ATTRS
                                                         and B.expects_nonblocking(ctx)) \
                and not B.lazy_listing_unconsumed(ctx, call):
            result = ("defer", sym)
    setattr(call, _CACHE_ATTR, result)
    return result


# Archives over an in-memory buffer do no disk I/O: class -> where the file
# argument goes (positional index, keyword).
_ARCHIVES = {"zipfile.ZipFile": (0, "file"), "tarfile.TarFile": (None, "fileobj")}
_ARCHIVE_OPENERS = {"zipfile.ZipFile": (0, "file"), "tarfile.open": (None, "fileobj"),
                    "tarfile.TarFile": (None, "fileobj"), "tarfile.TarFile.open": (None, "fileobj")}
_BUFFERS = frozenset({"io.BytesIO", "io.StringIO"})
_DATAGRAM = frozenset({"socket.SOCK_DGRAM"})
# The method names `harmless_receiver` may clear (a cheap test first).
HARMLESS_RECEIVER_ATTRS = frozenset({"connect", "extractall", "extract", "read", "write", "writestr", "add", "addfile",
                                     "extractfile"})


def harmless_receiver(ctx, call: ast.Call, api: str) -> bool:
    """`zf.writestr()` on a `ZipFile(BytesIO())`, `s.connect()` on a UDP
    socket (it only records the peer address): the receiver, bound in this
    function, shows the call does no blocking I/O. Asked for the calls of
    async functions (the family) and of sync helpers (AIO208's summary)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    cls = api.rsplit(".", 1)[0]
    if cls in _ARCHIVES:
        return _all_bound_to(ctx, func.value.id, lambda v: _archive_over_buffer(ctx, v))
    if api == "socket.socket.connect":
        return _all_bound_to(ctx, func.value.id, lambda v: _datagram_socket(ctx, v))
    return False


def _bindings(ctx, name: str):
    """Values bound to `name` in the enclosing function by `=` or `with ...
    as name`; None when it is bound any other way (a parameter, a loop)."""
    fn = ctx.function
    if fn is None:
        return None
    args = fn.node.args if hasattr(fn.node, "args") else None
    if args is not None and name in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}:
        return None
    values = []
    for node in walk_function(fn.node):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    return None
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            if isinstance(node.optional_vars, ast.Name) and node.optional_vars.id == name:
                values.append(node.context_expr)
            elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.optional_vars)):
                return None
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.AugAssign, ast.NamedExpr, ast.AnnAssign)):
            target = node.target
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                return None
    return values or None


def walk_function(fn_node: ast.AST):
    """The nodes of a function (its signature and body), not entering nested
    functions/classes."""
    return own_nodes(ast.iter_child_nodes(fn_node))


def _all_bound_to(ctx, name: str, test) -> bool:
    """Every value bound to `name` passes `test`, but for `None` (`s = None`
    before a `try` that makes the socket: a method call on it fails before
    any I/O)."""
    values = [v for v in _bindings(ctx, name) or () if not (type(v) is ast.Constant and v.value is None)]
    return bool(values) and all(test(v) for v in values)


def _argument(call: ast.Call, index, keyword: str):
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def _archive_over_buffer(ctx, value: ast.AST) -> bool:
    if not isinstance(value, ast.Call):
        return False
    name = B.canonical(ctx.qualified_name(value.func))
    if name not in _ARCHIVE_OPENERS:
        return False
    arg = _argument(value, *_ARCHIVE_OPENERS[name])
    if isinstance(arg, ast.Call):
        return ctx.qualified_name(arg.func) in _BUFFERS
    if isinstance(arg, ast.Name):
        return _all_bound_to(ctx, arg.id, lambda v: isinstance(v, ast.Call)
                             and ctx.qualified_name(v.func) in _BUFFERS)
    return False


def _datagram_socket(ctx, value: ast.AST) -> bool:
    if not (isinstance(value, ast.Call) and ctx.qualified_name(value.func) == "socket.socket"):
        return False
    kind = _argument(value, 1, "type")
    return kind is not None and ctx.qualified_name(kind) in _DATAGRAM


def _receiver_reported(ctx, call: ast.Call) -> bool:
    """`open(p).read()`, `Path(p).resolve().stat()`: the inner call is the
    finding (one expression, one mistake); the method called on its result
    would only repeat it."""
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
        and analyse(ctx, func.value)[0] == "hit"


def _already_reported_file(ctx, call: ast.Call, api: str) -> bool:
    """`f.write()` / `json.load(f)` on a file object bound in this async
    function: when it opened it, the opening call is the finding and this one
    would only repeat it; when it is a parameter, nothing shows it is a disk
    file rather than a buffer."""
    if api.startswith("io.IOBase."):
        target = call.func.value if isinstance(call.func, ast.Attribute) else None
    elif api in _FILE_ARGUMENT:
        index = _FILE_ARGUMENT[api]
        target = call.args[index] if len(call.args) > index else None
    else:
        return False
    fn = ctx.function
    if not (isinstance(target, ast.Name) and fn is not None and target.id in fn.bindings):
        return False
    # ... unless an annotation (`f: io.TextIOWrapper`, `f: BinaryIO`) or an
    # `isinstance(f, io.BufferedIOBase)` test around a parameter says "a file"
    return not (_annotated_file(fn.node, target.id)
                or (_is_parameter(fn.node, target.id) and B.isinstance_narrowed(ctx, target.id) is not None))


def _is_parameter(fn_node: ast.AST, name: str) -> bool:
    args = getattr(fn_node, "args", None)
    return args is not None and any(a.arg == name for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))


def _annotated_file(fn_node: ast.AST, name: str) -> bool:
    """`name` is a parameter with an annotation, or annotated in the body
    without an opening call (that call would be the finding)."""
    args = fn_node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name:
            return arg.annotation is not None
    for stmt in ast.walk(fn_node):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            return not isinstance(stmt.value, ast.Call)
    return False


# Serialisers that read or write a file object given as this positional argument.
_FILE_ARGUMENT = {"json.load": 0, "pickle.load": 0, "marshal.load": 0,
                  "json.dump": 1, "pickle.dump": 1, "marshal.dump": 1}


def note_self_attribute(node: ast.AST, ctx) -> None:
    """`self.db = sqlite3.connect(...)` in a method: record the attribute's
    value on the class summary (phase 2 reads it for `self.db.execute()`).
    Most assignments store into a plain name, and are done at the first
    test."""
    annotated = type(node) is not ast.Assign
    sym = None
    for target in (node.target,) if annotated else node.targets:
        if type(target) is not ast.Attribute or type(target.value) is not ast.Name:
            continue
        owner = ctx.lookup(target.value.id)
        if owner is None or owner[0] != "inst" or owner[1] is None or owner[1][0] != "global":
            continue
        if owner[1][1] != ctx.module.name:
            continue
        info = ctx.module.classes.get(owner[1][2])
        if info is None or target.attr in info.attrs:
            continue
        if sym is None:
            if annotated:
                sym = ctx.annotation_symbol(node.annotation)
            if sym is None and node.value is not None:
                sym = ctx.symbol(node.value)
        if sym is not None and sym[0] in ("call", "inst", "global", "attr"):
            info.attrs[target.attr] = sym


def api_note(call: ast.Call, api: str) -> str:
    shown = B.short(api)
    text = source(call.func)
    if text == shown:
        return ""
    return f" (`{shown}`)"


def fix_if_possible(ctx, fix):
    """No `await` can be added inside a generator expression (it would turn
    it into an async generator): no fix there."""
    return None if _for_node(ctx, "AIO2-in-genexp", _in_generator_expression) else fix


def _in_generator_expression(ctx) -> bool:
    # up from the node to the innermost statement or function: a generator
    # expression holds no statement, so none lies above one
    parent = parent_of(ctx.node)
    while parent is not None:
        if isinstance(parent, (ast.stmt, ast.Lambda)):
            return False
        if type(parent) is ast.GeneratorExp:
            return True
        parent = parent_of(parent)
    return False


TO_THREAD = Fix("run it in a thread: `await asyncio.to_thread(...)`", Applicability.UNSAFE, ("to-thread",))


class BlockingCallRule(Rule):
    """A direct call in async code to a catalogued blocking API of one family."""

    message = "`{call}(...)`{api} blocks the event loop; use {alternative}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call, ast.Assign, ast.AnnAssign)
    fix: Optional[Fix] = TO_THREAD

    calls_in_async_only = True  # check_blocking: `if not ctx.in_async ... return` for calls

    def check(self, node: ast.AST, ctx) -> None:
        check_blocking(node, ctx, (self,))



class BlockingFamily:
    """The rules whose check is `BlockingCallRule.check` unchanged (AIO200-207
    by default), run as one: per call, one test of the context and one
    classification, then a report for the one rule the API belongs to (or a
    pending query for each rule whose catalogue the name may match); per
    assignment, one `note_self_attribute` (the same for every member). The
    findings are those of running the members one by one."""

    def __init__(self, members):
        self.members = sorted(members, key=lambda r: r.code)
        self.code = "+".join(r.code for r in self.members)  # the walker's key when the family crashes
        self.name = "blocking-call-family"
        self.node_types = BlockingCallRule.node_types
        self.calls_in_async_only = True  # check_blocking returns at once for other calls
        # (last name, any public method) -> the members whose catalogue may
        # hold it: a file calls the same methods again and again
        self._by_last: dict = {}

    @staticmethod
    def joins(rule) -> bool:
        return isinstance(rule, BlockingCallRule) and type(rule).check is BlockingCallRule.check

    def node_types_beside(self, rule) -> tuple:
        """The node types `rule` (not a member) is dispatched for while the
        family runs: not the assignments when all its check does there is
        `note_self_attribute` (`Rule.notes_self_attributes_only`), which the
        family does once per assignment for every rule (237k assignments
        of the corpus were noted twice, by the family and AIO208)."""
        if getattr(rule, "notes_self_attributes_only", False):
            return tuple(t for t in rule.node_types if t not in _ASSIGNMENTS)
        return rule.node_types

    def check(self, node: ast.AST, ctx) -> None:
        check_blocking(node, ctx, self.members, self._by_last)


_ASSIGNMENTS = (ast.Assign, ast.AnnAssign)


def check_blocking(node: ast.AST, ctx, rules, by_last: Optional[dict] = None) -> None:
    """The shared check of `rules` (blocking-call rules in code order) on
    one node: what each rule's own check does, done once for all of them
    (`by_last`: `_may_match`'s catalogue answers for these rules, kept)."""
    if type(node) is not ast.Call:
        note_self_attribute(node, ctx)
        return
    if not ctx.in_async or in_quiet_file(ctx):
        return
    result = analyse(ctx, node)
    kind = result[0]
    if kind == "none":
        return
    # a deferred callee whose last name no catalogue of `rules` has (most
    # project calls) asks nothing: no test of where the call is for it
    matching = _may_match(rules, result[1], node, by_last) if kind == "defer" else None
    if matching == [] or left_alone_here(ctx):
        return
    # file I/O while a resource is set up (index/setup.py): decided once
    setup = None
    # no `to_thread` fix for a listing that may be lazy: the loop
    # around it would still read the directory
    lazy = B.lazy_listing_attr(node)
    if kind == "hit":
        for rule in rules:
            if result[1] == rule.code:
                if rule.code == FILE_IO_CODE and in_setup_code(ctx) and not _used_in_loop(ctx, node):
                    return
                ctx.report(node, fix=None if lazy else fix_if_possible(ctx, rule.fix), rule=rule,
                           call=source(node.func), api=api_note(node, result[2]), alternative=result[3])
    elif kind == "defer":
        sym = result[1]
        call = None  # the callee's text, made once for the rules that ask
        for rule in matching:
            if rule.code == FILE_IO_CODE:
                if setup is None:
                    setup = in_setup_code(ctx) and not _used_in_loop(ctx, node)
                if setup:
                    continue
            if call is None:
                call = callee_text(ctx, node.func)
            ctx.report_if(("aio2-direct", rule.code, sym, knobs(ctx)), node,
                          fix=None if lazy else fix_if_possible(ctx, rule.fix), rule=rule, call=call)


def _may_match(rules, sym, call: ast.Call, by_last: Optional[dict] = None) -> list:
    """The rules (of `rules`) whose catalogue the deferred callee `sym` may
    be in, by its last name (or any public method, for a rule with `Class.*`
    entries), unless its arguments make that name return at once."""
    kind = sym[0]
    if kind != "attr" and kind != "global":
        return []
    last = sym[2]
    wildcard = kind == "attr" and not last.startswith("_")
    key = (last, wildcard)
    found = by_last.get(key) if by_last is not None else None
    if found is None:
        found = [rule for rule in rules
                 if last in B.LAST_NAMES[rule.code] or (wildcard and rule.code in B.HAS_WILDCARD)]
        if by_last is not None:
            by_last[key] = found
    if found:
        for name in B.NONBLOCKING_BY_LAST.get(last, ()):
            if B.returns_at_once(name, call):
                return []
    return found
