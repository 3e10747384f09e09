"""Phase 2 of the index: every module's summary, joined.

`ProjectIndex.resolve(sym)` follows a symbol through imports, re-exports and
`import *` to what it names: a project function or class, a module, or an
external dotted name. Rules' deferred queries (`queries.py`) build on it.
"""
from __future__ import annotations

import builtins
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable, Dict, FrozenSet, Hashable, Iterable, Optional, Tuple, TypeVar

from . import values
from .summary import ClassInfo, FunctionInfo, ModuleSummary, Sym
from .targets import UNKNOWN, Target

T = TypeVar("T")
# Nested resolutions deeper than this give up (UNKNOWN) instead of
# exhausting the interpreter's stack on long or cyclic chains.
RESOLVE_DEPTH = 60


_BUILTIN_NAMES = frozenset(dir(builtins))
# The dependency that stands for "every module": a fact that iterated over
# the whole table (a module is never named "*").
ALL = "*"
# Dependencies on a whole-project join are ("join", name, key) tokens.
_JOIN = "join"
_JOIN_TABLE = "<joins>"
_JOIN_TABLES = frozenset({_JOIN_TABLE})
# The per-module parts of the joins built by `join_modules`: (name, key,
# module) -> part, ordinary facts (carried while they looked at no changed
# module), in one table per join name (`_parts_table`: a join combined again
# from its parts reads only its own from disk).
_PARTS = "<join-parts>"


def _parts_table(join: str) -> str:
    return f"{_PARTS}{join}"

# Symbols that denote values rather than names (answered by `values.py`).
_VALUE_KINDS = frozenset({"call", "inst", "await", "item", "enter", "super", "union", "typevar", "generic", "callable", "optional", "unknown"})


# Joins another process can build again (`ProjectIndex.restore`): join name
# -> factory(key), giving build(index) for a plain join (`join`) or (part,
# combine) for a join of per-module parts (`join_modules`). A join not
# registered is never saved.
_JOIN_BUILDERS: Dict[str, Callable[[Hashable], object]] = {}


def rebuildable(name: str, factory: Callable[[Hashable], object]) -> None:
    """Register how to build join `name` for a key, so that a saved index
    can be brought up to date in the next run (`ProjectIndex.restore`):
    `factory(key)` is the join's build(index), or its (part, combine) when
    the join is made by `join_modules`. Whatever the build depends on
    besides the index (config patterns) must be in the key."""
    _JOIN_BUILDERS[name] = factory


@dataclass(frozen=True)
class Knowledge:
    """What the configuration tells the index that the code cannot
    (`extra-coroutine-functions`, `preserving-decorators`)."""

    extra_coroutines: FrozenSet[str] = frozenset()
    preserving: FrozenSet[str] = frozenset()

    @classmethod
    def from_config(cls, config) -> "Knowledge":
        return cls(frozenset(getattr(config, "extra_coroutine_functions", None) or ()),
                   frozenset(getattr(config, "preserving_decorators", None) or ()))


_dict_get = dict.get


class ModuleTable(dict):
    """`ProjectIndex.modules`: module name -> summary, optionally read on
    first use (`sources`: name -> function returning the summary; membership
    needs no read, iteration reads everything).

    Every lookup, hit or miss, is recorded as a dependency of what the index
    is computing (`ProjectIndex.tracking`); iterating records `ALL`."""

    def __init__(self, items=(), sources: Optional[Dict[str, Callable[[], Optional[ModuleSummary]]]] = None):
        super().__init__(items)
        self._sources = dict(sources) if sources else {}
        # The names in the order the table was made with (the items, then
        # the sources): iteration keeps it whatever was read first, so a join
        # combined in another run (`ProjectIndex.restore`) sees its parts in
        # the order a run without the cache does.
        self._order: Optional[list] = list(dict.fromkeys([*dict.keys(self), *self._sources])) if self._sources else None
        self.frames: Optional[list] = None  # the owning index's dependency frames

    def _read(self, name) -> None:
        frames = self.frames
        if frames:
            frames[-1].add(name)

    def _load(self, name) -> None:
        source = self._sources.pop(name, None)
        if source is not None:
            summary = source()
            if summary is not None:
                dict.setdefault(self, name, summary)

    def _load_all(self) -> None:
        self._read(ALL)
        for name in list(self._sources):
            self._load(name)

    # The three lookups the index makes most (about a million on a large
    # project) record their dependency inline, not through `_read`.
    # A name loaded is no longer among the sources: the table is asked
    # first, the sources only on a miss.
    def _find(self, name):
        """The summary of `name` (read from its source on first use), or
        None; the look-up recorded as a dependency either way."""
        frames = self.frames
        if frames:
            frames[-1].add(name)
        value = _dict_get(self, name)
        if value is None and name in self._sources:
            self._load(name)
            value = _dict_get(self, name)
        return value

    def get(self, name, default=None):
        value = self._find(name)
        return default if value is None else value

    def __getitem__(self, name):
        value = self._find(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name) -> bool:
        frames = self.frames
        if frames:
            frames[-1].add(name)
        return dict.__contains__(self, name) or name in self._sources

    def setdefault(self, name, default=None):
        self._read(name)
        if name in self._sources:
            self._load(name)
        return dict.setdefault(self, name, default)

    def __setitem__(self, name, value) -> None:
        self._sources.pop(name, None)
        dict.__setitem__(self, name, value)

    def pop(self, name, *default):
        self._sources.pop(name, None)
        return dict.pop(self, name, *default)

    def __delitem__(self, name) -> None:
        self._sources.pop(name, None)
        dict.__delitem__(self, name)

    def __iter__(self):
        # The names alone (the loaded ones, then the others in source order:
        # the order loading them all would give): a join built from
        # per-module facts that carry over reads no summary.
        self._read(ALL)
        order = self._order
        if order is None:
            return iter([*dict.keys(self), *self._sources])
        sources = self._sources
        names = [n for n in order if n in sources or dict.__contains__(self, n)]
        if len(names) != dict.__len__(self) + len(sources):  # names set after the table was made
            known = set(order)
            names += [n for n in dict.keys(self) if n not in known]
        return iter(names)

    def __len__(self) -> int:
        self._read(ALL)
        return dict.__len__(self) + len(self._sources)

    def keys(self):
        return list(self)

    def values(self):
        self._load_all()
        return dict.values(self)

    def items(self):
        self._load_all()
        return dict.items(self)

    def __reduce__(self):  # pickled as the plain dict it stands for
        self._load_all()
        return (dict, (dict(self.items()),))


class ProjectIndex:
    """Every module's summary, the configured knowledge, the installed
    packages it may read, and the facts derived from them.

    Derived facts (light types, thread context, blocking summaries, callers)
    live in one place, `fact()`: each is computed once per index and key and
    kept with its dependencies, the module names it looked up (`ALL` when
    it went through every module). An index never changes after it is built;
    a changed module makes a new index (`with_module`, `updated`), which
    keeps the facts that did not look at a changed module.
    """

    def __init__(self, summaries: Iterable[ModuleSummary], knowledge: Optional[Knowledge] = None,
                 installed=None, tracked: bool = True):
        # False: what the facts looked at is not recorded (every dependency
        # set stays empty), for a run that neither keeps the index nor
        # updates it (`--no-cache`): about a sixth of its phase 2. Such an
        # index cannot be updated or saved.
        self.tracked = tracked
        self._frames: list = []  # dependency sets of the computations under way, innermost last
        self._dep_sets = DepSets()
        table = ModuleTable()
        for summary in summaries:
            # Two files may claim one module name (scripts in different
            # folders): keep the first, deterministic because input is sorted.
            dict.setdefault(table, summary.name, summary)
        self.modules = table
        self.knowledge = knowledge or Knowledge()
        self.installed = installed  # installed.InstalledPackages, or None
        self._facts: Dict[str, dict] = {}
        self._uncarried: set = set()  # fact names never carried (`fact(carry=False)`)
        # Tables whose facts (restored ones) are not all in `_rev`: `_remove`
        # goes through each of their facts.
        self._unlisted: set = set()
        # dependency -> [(fact name, key), ...] of the facts that had it when
        # stored: what an update must drop, found without going through every
        # fact. Shared with the indexes updated from this one (each entry is
        # checked against the fact's own dependencies before it is used).
        self._rev: Dict[object, list] = {}
        self._dropped_parts: Dict[tuple, list] = {}  # (join name, key) -> modules whose part an update dropped
        self._dropped_entries: Dict[tuple, tuple] = {}  # (join name, key, module) -> the dropped part's entry
        self._part_counts: Dict[tuple, int] = {}  # (join name, key) -> how many parts the join combined
        # (join name, key) -> digest of the module names a join of parts
        # iterated, in order: a restored index has no module table to
        # compare with (`_same_parts_order`).
        self._part_orders: Dict[tuple, str] = {}
        self._restored_orders = False  # the part orders came from a saved index (no module table)
        # What makes a restored fact stale in this index (module names,
        # `ALL`, tokens of changed joins): a shard read from disk after an
        # update leaves out the facts that depended on any of it.
        self._stale_deps: set = set()
        # Of a restored index: names -> {table: [shard, ...]}, the shards
        # holding facts that depended on any of the names.
        self._holding: Optional[Callable[[Iterable], Dict[str, list]]] = None
        # Whole-project joins (`join()`): (name, key) -> build(index), in the
        # order they were completed; `changed_joins`: those an update found
        # different from the previous index's.
        self._joins: Dict[tuple, Callable] = {}
        # The joins of `join_modules`: (name, key) -> part(index, module).
        self._parts: Dict[tuple, Callable] = {}
        self.changed_joins: FrozenSet[tuple] = frozenset()
        # The join tokens restored from a saved index and compared by the
        # update that followed (`restore`); None: not restored.
        self.restored_joins: Optional[FrozenSet[tuple]] = None
        self._resolving: set = set()
        # Memoised resolutions (sym -> (target, dependencies)): a project
        # asks for the same symbols about four times over (a callee, its
        # class's bases, a decorator). Never carried: cheap to redo, and a
        # large table to save.
        self._resolved = self._facts["resolved"] = {}
        self._uncarried.add("resolved")
        self._mros = self._facts["mro"] = {}  # (module, qualname, limit) -> (mro, dependencies), as above
        self._uncarried.add("mro")
        self._cut_off = 0  # resolutions the cycle guard cut short so far

    @property
    def modules(self) -> ModuleTable:
        return self._modules

    @modules.setter
    def modules(self, table) -> None:
        if not isinstance(table, ModuleTable):
            table = ModuleTable(table)
        table.frames = self._frames if self.tracked else None
        self._modules = table

    def freeze_deps(self, deps) -> frozenset:
        """`deps` kept as this index keeps its facts' dependency sets."""
        return self._dep_sets.freeze(deps)

    def with_module(self, summary: ModuleSummary) -> "ProjectIndex":
        """The same project with one module as it is now (an unsaved buffer,
        a fixed file): a new index, so no derived fact goes stale."""
        others = (s for name, s in self.modules.items() if name != summary.name)
        return ProjectIndex([summary, *others], self.knowledge, self.installed)

    def updated(self, modules: ModuleTable, changed: FrozenSet[str]) -> "ProjectIndex":
        """A new index over `modules` in which the modules named in `changed`
        differ from this one (changed, added or removed): the derived facts
        that looked at none of them, nor at every module, carry over."""
        if not self.tracked:
            raise ValueError("an index that does not track dependencies cannot be updated")
        new = ProjectIndex([], self.knowledge, self.installed)
        new.modules = modules
        new._rev = dict(self._rev)
        for name, table in self._facts.items():
            if name in self._uncarried or name in _JOIN_TABLES:
                continue
            if isinstance(table, _ShardedTable):
                kept = new._facts[name] = table.carried(new)
                new._stale_deps = set(self._stale_deps)  # shards still on disk were saved before either update
                new._holding = self._holding
            else:
                kept = new._facts[name] = Memo(new._frames, new._rev, name, new._dep_sets) if isinstance(table, Memo) else {}
            dict.update(kept, table)  # a copy at C speed; what went stale is removed below
            if name in self._unlisted:
                new._unlisted.add(name)
        new._remove(frozenset(changed) | _ALL_ONLY, lambda deps: ALL in deps or not deps.isdisjoint(changed))
        # Each whole-project join is built again at once, in the order the
        # joins were first completed (one may use another), after dropping
        # what depended on a join already found changed; a join that comes
        # out equal keeps everything that depended on it (early cut-off).
        # A join of per-module parts (`join_modules`) over the same modules
        # in the same order is built again only when a part it used is not
        # carried and comes out different: usually the changed module's own.
        same_modules = self._same_modules(new.modules, changed)
        moved: set = set()
        # The tokens of the joins found changed and not dropped yet: each is
        # dropped once, before the next join is built (a fact built since
        # used the new value; dropping it again would only cost a pass over
        # every restored fact per join).
        undropped: set = set()
        old_joins = self._facts.get(_JOIN_TABLE, {})
        if isinstance(old_joins, _Encoded):  # restored: a join kept is carried as the blob it is
            new._facts[_JOIN_TABLE] = _Encoded(old_joins.decode)
        for (name, key), build in self._joins.items():
            if undropped:
                new._drop(undropped)
                undropped = set()
            part = self._parts.get((name, key))
            if isinstance(old_joins, _Encoded):
                value, deps, encoded = old_joins.raw((name, key))
            else:
                (value, deps), encoded = old_joins[(name, key)], False
            if (ALL not in deps and deps.isdisjoint(changed) and deps.isdisjoint(moved)) if part is None \
                    else (self._same_parts_order(new, name, key, same_modules)
                          and self._parts_unchanged(new, name, key, part)):
                # Nothing the join looked at changed (a join that goes through
                # every module does so through `join_modules`): kept as is.
                table = new._facts.setdefault(_JOIN_TABLE, {})
                if encoded:
                    table.put_encoded((name, key), value, deps)
                else:
                    table[(name, key)] = (value, deps)
                new._joins[(name, key)] = build
                if part is not None:
                    new._parts[(name, key)] = part
                    for mine, theirs in ((new._part_counts, self._part_counts), (new._part_orders, self._part_orders)):
                        if (name, key) in theirs:
                            mine[(name, key)] = theirs[(name, key)]
                continue
            if new.join(name, key, build) != old_joins[(name, key)][0]:
                moved.add((_JOIN, name, key))
                undropped.add((_JOIN, name, key))
            elif encoded:  # built again and equal: saved as the blob it was read from
                new._facts[_JOIN_TABLE]._blobs[(name, key)] = value
            if part is not None:
                new._parts[(name, key)] = part
        if undropped:
            new._drop(undropped)
        new.changed_joins = frozenset(moved)
        new._dropped_entries = {}  # compared: not kept for the life of the index
        return new

    def _same_modules(self, modules: ModuleTable, changed: FrozenSet[str]) -> bool:
        """`modules` names the same modules as this index's table, in the
        same order (what a `join_modules` join iterated)."""
        old = self._modules
        if not dict.__len__(old) and not old._sources:
            return False  # a restored index (`restore`) keeps no table: nothing to compare with
        if any(dict.__contains__(old, name) != dict.__contains__(modules, name) for name in changed):
            return False
        return old._sources == modules._sources and list(dict.keys(old)) == list(dict.keys(modules))

    def _same_parts_order(self, new: "ProjectIndex", name: str, key: Hashable, same_modules: bool) -> bool:
        """The join of parts (name, key) iterated the modules `new` has, in
        the same order. A restored index keeps no module table: it compares
        the digest of the names the join iterated with `new`'s."""
        if self._restored_orders:
            order = self._part_orders.get((name, key))
            return order is not None and order == new._order_digest()
        # the join combined a part of every module (none added since it was built)
        return same_modules and self._part_counts.get((name, key)) == dict.__len__(self._modules)

    def _order_digest(self) -> str:
        digest = self._part_orders.get(None)  # this index's own table, computed once
        if digest is None:
            digest = self._part_orders[None] = _names_digest(list(self.modules))
        return digest

    def _parts_unchanged(self, new: "ProjectIndex", name: str, key: Hashable, part: Callable) -> bool:
        """Each part `new` did not carry comes out equal when built again there."""
        table = _parts_table(name)
        old_parts = self._facts.get(table, {})
        for module in new._dropped_parts.pop((name, key), ()):
            k = (name, key, module)
            entry = new._dropped_entries.get(k) or dict.get(old_parts, k)
            if entry is None or new.fact(table, k, lambda m=module: part(new, m)) != entry[0]:
                return False
        return True

    def _drop(self, tokens: set) -> None:
        self._remove(tokens, lambda deps: not deps.isdisjoint(tokens))

    def _remove(self, names, stale: Callable[[frozenset], bool]) -> None:
        """Drop the facts that depended on any of `names` (`stale(deps)`
        confirms it: the map may list a fact computed again since)."""
        rev, facts = self._rev, self._facts
        sharded = [table for table in facts.values() if isinstance(table, _ShardedTable)]
        if sharded:
            # Facts still on disk: the shards holding any of `names` are read
            # now (leaving out what is stale, `_stale_deps`), the others
            # stay unread and hold no stale fact.
            self._stale_deps.update(names)
            holding = self._holding(names)
            for table in sharded:
                table.read_these(holding.get(table.shards.name, ()))
        for dep in names:
            listed = rev.get(dep)
            if not listed:
                continue
            for name, key in listed:
                table = facts.get(name)
                entry = dict.get(table, key) if table is not None and name != _JOIN_TABLE else None
                if entry is not None and stale(entry[1]):
                    dict.__delitem__(table, key)
                    self._dropped(name, key, entry)
            # What is left is listed again as it is computed anew.
            rev[dep] = [item for item in listed if item[1] in dict.keys(facts.get(item[0]) or {})]
        for name in self._unlisted:  # one pass over each restored table, in place of the map
            table = facts.get(name)
            if not table:
                continue
            gone = [(key, entry) for key, entry in dict.items(table) if stale(entry[1])]
            for key, entry in gone:
                dict.__delitem__(table, key)
                self._dropped(name, key, entry)

    def _dropped(self, name: str, key: Hashable, entry: tuple) -> None:
        """A stale fact left out: a join's part is built again and compared
        with this entry (`_parts_unchanged`)."""
        if name.startswith(_PARTS):
            self._dropped_parts.setdefault(key[:2], []).append(key[2])
            self._dropped_entries[key] = entry

    def _note(self, name: str, key: Hashable, deps: frozenset) -> None:
        rev = self._rev
        item = (name, key)
        for dep in deps:
            listed = rev.get(dep)
            if listed is None:
                rev[dep] = [item]
            else:
                listed.append(item)

    # -- saved between runs -----------------------------------------------
    def saved_shards(self) -> dict:
        """The derived facts and joins as plain data, for an index of the
        next run to start from (`restore`), as the shards to write: each
        table's facts cut into shards by key (`shard_of`), and of a table
        restored from shards only the shards this index changed (an unread
        shard is as it was on disk). The facts that hold this index are
        left out, and so are joins nobody registered a builder for (with
        every fact that used one); the per-module parts of the
        `join_modules` joins are among the facts (`_parts_table`).
        {"tables": {name: (is_memo, count, {shard: entries})}, "joins":
        [(name, key, value, deps, encoded)], "part_orders"}; `encoded`: the
        value is still the blob it was restored as."""
        if not self.tracked:
            raise ValueError("an index that does not track dependencies cannot be saved")
        joins = self._facts.get(_JOIN_TABLE, {})
        kept = [(name, key) for (name, key) in self._joins if name in _JOIN_BUILDERS]
        lost = {(_JOIN, name, key) for (name, key) in self._joins if name not in _JOIN_BUILDERS}
        tables = {}
        for name, table in self._facts.items():
            if name in self._uncarried or name in _JOIN_TABLES:
                continue
            is_memo = isinstance(table, Memo)
            if isinstance(table, _ShardedTable):
                count = table.shards.count
                groups = table.changed_shards()
            else:
                count = max(1, -(-dict.__len__(table) // _SHARD_SIZE))
                groups = {i: {} for i in range(count)}
                for key, entry in dict.items(table):
                    groups[shard_of(key, count)][key] = entry
            if lost:
                groups = {i: {k: e for k, e in entries.items() if e[1].isdisjoint(lost)}
                          for i, entries in groups.items()}
            tables[name] = (is_memo, count, groups)
        out_joins = []
        for name, key in kept:
            if isinstance(joins, _Encoded):
                value, deps, encoded = joins.raw((name, key))
            else:
                (value, deps), encoded = joins[(name, key)], False
            out_joins.append((name, key, value, deps, encoded))
        return {"tables": tables, "joins": out_joins,
                "part_orders": {k: d for k, d in self._part_orders.items() if k and k[0] in _JOIN_BUILDERS}}

    @classmethod
    def restore(cls, saved: dict, modules: ModuleTable, moved: FrozenSet[str], knowledge: Optional[Knowledge] = None,
                installed=None) -> "ProjectIndex":
        """The index over `modules` that a saved index (`saved_shards()`) of the
        previous run becomes when the modules named in `moved` differ
        (changed, added or removed): as `updated()` would make it in one
        process. With nothing moved the saved joins are taken as they are;
        otherwise each is built again and compared (`changed_joins`).
        `saved["decode"]`, when given: the join values are blobs it decodes,
        each on first use (a run that uses few joins decodes few)."""
        old = cls([], knowledge, installed)
        # The tables stay on disk, in shards read when a look-up or an
        # update needs them (`saved["read"](name, shard)`: its entries, or
        # None when it cannot be read; `saved["holding"](names)`: {table:
        # [shard, ...]} holding facts that depended on any of `names`).
        # They are not listed in the dependency map (about 600,000
        # references on the full corpus, more than an update costs): an
        # update goes through the facts read instead.
        read = saved.get("read")
        old._holding = saved.get("holding")
        for name, (is_memo, count) in (saved.get("shards") or {}).items():
            shards = _Shards(name, count, read)
            old._facts[name] = (_ShardedMemo(old._frames, old._rev, name, old._dep_sets) if is_memo else _ShardedDict())
            old._facts[name].attach(shards, old)
            old._unlisted.add(name)
        if "part_orders" in saved:
            old._part_orders.update(saved["part_orders"])
            old._restored_orders = True
        decode = saved.get("decode")
        joins = old._facts[_JOIN_TABLE] = _Encoded(decode) if decode is not None else {}
        counts = saved.get("part_counts") or {}
        for name, key, value, deps in saved["joins"]:
            factory = _JOIN_BUILDERS.get(name)
            if factory is None:
                continue
            made = factory(key)
            if isinstance(made, tuple):  # a join of per-module parts
                part, combine = made
                old._joins[(name, key)] = _modules_build(name, key, part, combine)
                old._parts[(name, key)] = part
                if (name, key) in counts:
                    old._part_counts[(name, key)] = counts[(name, key)]
            else:
                old._joins[(name, key)] = made
            if decode is not None:
                joins.put_encoded((name, key), value, deps)
            else:
                joins[(name, key)] = (value, deps)
        restored = frozenset((_JOIN, name, key) for name, key in old._joins)
        if not moved:
            old.modules = modules
            old.restored_joins = restored
            return old
        # The saved index has no module table: `updated` finds the modules
        # not the same (`_same_modules`), so each join of parts is combined
        # again from its carried parts and the parts it dropped, and compared.
        shards = [t.shards for t in old._facts.values() if isinstance(t, _ShardedTable)]
        for one in shards:
            one.strict = True
        try:
            new = old.updated(modules, moved)
        finally:
            for one in shards:
                one.strict = False
        new.restored_joins = restored
        return new

    # -- dependencies -----------------------------------------------------
    def tracking(self) -> "_Frame":
        """`with index.tracking() as deps:` collects the module names the
        body looks up, directly or through facts it uses (nested frames add
        theirs to the enclosing one)."""
        return _Frame(self._frames)

    def depend(self, deps) -> None:
        """What is being computed depends on `deps` too (a cached result
        reused: its own dependencies)."""
        if self._frames and deps:
            self._frames[-1].update(deps)

    # -- derived facts ----------------------------------------------------
    def fact(self, name: str, key: Hashable, build: Callable[[], T], carry: bool = True) -> T:
        """The fact `name` for `key`, built on first use. `carry=False`: a
        fact that holds this index (an object answering lazily) is never
        carried to an updated index."""
        table = self._facts.get(name)
        if table is None:
            table = self._facts[name] = {}
        hit = table.get(key)  # a miss costs no exception (a third of the calls)
        if hit is None:
            if not carry:
                self._uncarried.add(name)
            if not self.tracked:
                value = build()
                table[key] = (value, _NONE)
                return value
            with _Frame(self._frames) as deps:
                value = build()
            frozen = table[key] = (value, self._dep_sets.freeze(deps))
            if carry:
                self._note(name, key, frozen[1])
            return value
        value, deps = hit
        if deps and self._frames:
            self._frames[-1].update(deps)
        return value

    def join(self, name: str, key: Hashable, build: Callable[["ProjectIndex"], T]) -> T:
        """A whole-project fact (it looks at every module) that is cheap to
        build from per-module facts: `build(index)`. Whoever uses it depends
        on the join itself, not on every module; an updated index builds it
        again at once and, when the value is the same, keeps the facts and
        answers that used it."""
        table = self._facts.setdefault(_JOIN_TABLE, {})
        token = (_JOIN, name, key)
        try:
            value = table[(name, key)][0]
        except KeyError:
            with _Frame(self._frames, merge=False) as deps:
                value = build(self)
            table[(name, key)] = (value, self._dep_sets.freeze(deps))
            self._joins[(name, key)] = build
        if self._frames and self.tracked:
            self._frames[-1].add(token)
        return value

    def join_modules(self, name: str, key: Hashable, part: Callable[["ProjectIndex", str], T],
                     combine: Callable[[list], object]):
        """A join made of one part per module: `combine([(module, part(index,
        module)), ...])`, the modules in table order. Each part is a fact
        (it must not go through every module); `combine` sees only the parts.
        An updated index builds again only the parts that looked at a changed
        module and, when they come out equal (and no module came or went),
        keeps the join as it was without combining again."""
        value = self.join(name, key, _modules_build(name, key, part, combine))
        self._parts.setdefault((name, key), part)
        return value

    def build_parts(self, joins: Iterable[Tuple[str, Hashable]], share: int, shares: int) -> list:
        """The per-module parts of the `join_modules` joins named in `joins`
        ((name, key); registered with `rebuildable`) for every `shares`-th
        module from the `share`-th on, as plain data for `add_parts` in
        another copy of this index: [((name, key, module), (part,
        dependencies)), ...]. Copies of one index that each build a share
        and add the others' build each part once between them."""
        out = []
        modules = list(self.modules)[share::shares]
        for name, key in joins:
            factory = _JOIN_BUILDERS.get(name)
            if factory is None:
                continue
            part = factory(key)[0]
            table_name = _parts_table(name)
            table = self._facts.setdefault(table_name, {})
            for module in modules:
                k = (name, key, module)
                self.fact(table_name, k, lambda m=module: part(self, m))
                out.append((k, table[k]))
        return out

    def add_parts(self, entries: list) -> None:
        """Parts that another copy of this index built (`build_parts`):
        kept as if built here, with their dependencies."""
        for k, entry in entries:
            name = _parts_table(k[0])
            table = self._facts.setdefault(name, {})
            if k not in table:
                table[k] = entry
                if self.tracked:
                    self._note(name, k, entry[1])

    def memo(self, name: str) -> "Memo":
        """The table of fact `name`, for facts filled in piece by piece."""
        table = self._facts.get(name)
        if table is None:
            table = self._facts[name] = Memo(self._frames, self._rev, name, self._dep_sets)
        return table

    # -- names ------------------------------------------------------------
    # `_modules`, not the `modules` property, in the lookups made most often;
    # a summary already loaded, when no dependency is to be recorded, is
    # read from the table itself (no Python-level `get`).
    def function(self, module: str, qualname: str) -> Optional[FunctionInfo]:
        modules = self._modules
        summary = _dict_get(modules, module)
        if summary is None or modules.frames is not None:
            summary = modules.get(module)
        return summary.functions.get(qualname) if summary else None

    def klass(self, module: str, qualname: str) -> Optional[ClassInfo]:
        modules = self._modules
        summary = _dict_get(modules, module)
        if summary is None or modules.frames is not None:
            summary = modules.get(module)
        return summary.classes.get(qualname) if summary else None

    def resolve_global(self, module: str, name: str, _seen: Optional[set] = None) -> Target:
        """What `name` means at the top of `module` (or a dotted qualname)."""
        seen = _seen if _seen is not None else set()
        key = (module, name)
        if key in seen or len(seen) > 50:
            return UNKNOWN
        seen.add(key)
        modules = self._modules
        summary = _dict_get(modules, module)
        if summary is None or modules.frames is not None:
            summary = modules.get(module) or self._installed(module)
        if summary is None:
            alias = self.namespace_alias(module)
            if alias is not None:
                return self.resolve_global(alias, name, seen)
            sub = f"{module}.{name}"
            if sub in self.modules:
                return Target("module", sub)
            return Target("external", qualname=f"{module}.{name}")
        if name in summary.functions:
            return Target("function", module, name)
        if name in summary.classes:
            return Target("class", module, name)
        if name in summary.bindings:
            sym = summary.bindings[name]
            if sym == ("global", module, name):
                return UNKNOWN
            if sym is not None and sym[0] == "opaque":
                return Target("value", module, name)
            return self._resolve(sym, seen)
        sub = f"{module}.{name}"
        if sub in self.modules or (summary.is_package and self._installed(sub) is not None):
            return Target("module", sub)  # a submodule (of an installed package: loaded on demand)
        for star in summary.star_imports:
            star_summary = self.modules.get(star)
            if star_summary is not None and star_summary.all_names is not None and name not in star_summary.all_names:
                continue
            if star_summary is not None and name.startswith("_") and star_summary.all_names is None:
                continue
            target = self.resolve_global(star, name, seen)
            if target.kind != "unknown" and not (target.kind == "external" and star in self.modules):
                return target
        if "." in name:  # a nested qualname we do not know
            return UNKNOWN
        if name in _BUILTIN_NAMES:  # summaries write unbound names as globals
            return Target("external", qualname=f"builtins.{name}")
        return UNKNOWN

    def resolve(self, sym: Sym) -> Target:
        """Resolutions nest (an attribute's value is resolved while resolving
        the attribute); a symbol already being resolved, or nesting deeper
        than RESOLVE_DEPTH, is UNKNOWN: a cycle in the code (`cb = self.cb;
        self.cb = cb`) must not become a RecursionError."""
        try:
            hit = self._resolved.get(sym)  # a miss costs no exception
        except TypeError:  # unhashable: never with well-formed symbols
            return UNKNOWN
        if hit is not None:
            value, deps = hit
            if deps and self._frames:
                self._frames[-1].update(deps)
            return value
        active = self._resolving
        if sym in active or len(active) >= RESOLVE_DEPTH:
            self._cut_off += 1
            return UNKNOWN
        cut_off = self._cut_off
        active.add(sym)
        try:
            if self.tracked:
                with _Frame(self._frames) as deps:
                    value = self._resolve(sym, set())
                deps = self._dep_sets.freeze(deps)
            else:
                value, deps = self._resolve(sym, set()), _NONE
        finally:
            active.discard(sym)
        # Kept only when no guard cut the resolution short: such an answer
        # is what the symbol resolves to whatever else is being resolved.
        if self._cut_off == cut_off:
            self._resolved[sym] = (value, deps)
        return value

    def _resolve(self, sym: Sym, seen: set) -> Target:
        if sym is None:
            return UNKNOWN
        kind = sym[0]
        if kind == "module":
            known = sym[1] in self._modules or self._installed(sym[1]) is not None
            if known:
                return Target("module", sym[1])
            alias = self.namespace_alias(sym[1])
            return Target("module", alias) if alias is not None else Target("external", qualname=sym[1])
        if kind == "global":
            return self.resolve_global(sym[1], sym[2], seen)
        if kind == "builtin":
            return Target("external", qualname=f"builtins.{sym[1]}")
        if kind == "attr":
            base = self._resolve(sym[1], seen)
            if base.kind == "module":
                return self.resolve_global(base.module, sym[2], seen)
            if base.kind == "external":
                return Target("external", qualname=f"{base.qualname}.{sym[2]}")
            if base.kind == "class":
                method = self.find_method(base.module, base.qualname, sym[2])
                if method is not None:
                    return Target("function", method[0], method[1])
            return values.attribute(self, base, sym[2])  # instances, attributes
        if kind in _VALUE_KINDS:
            return values.evaluate(self, sym)
        return UNKNOWN

    def namespace_alias(self, module: str) -> Optional[str]:
        """The project module an absolute import names through folders
        without `__init__.py`: module names start at the top regular package
        (`myint.helpers`), while code may import it from a folder above
        (`custom_components.myint.helpers`, a Home Assistant integration;
        any namespace package). The dropped prefix must be the very folders
        that hold that package, so it resolves exactly like a relative
        import would."""
        if "." not in module:
            return None
        return self.fact("namespace-alias", module, lambda: self._find_namespace_alias(module))

    def _find_namespace_alias(self, module: str) -> Optional[str]:
        parts = module.split(".")
        for i in range(1, len(parts)):
            candidate = ".".join(parts[i:])
            summary = self.modules.get(candidate)
            if summary is None or not summary.path:
                continue
            folders = PurePath(summary.path).parents
            # the folder holding the top package, then the ones above it
            start = len(parts) - i - (0 if summary.is_package else 1)
            above = [folders[start + k].name for k in range(i) if start + k < len(folders)]
            if above == list(reversed(parts[:i])):
                return candidate
        return None

    def _installed(self, module: str) -> Optional[ModuleSummary]:
        """An installed package's module (`installed.py`), when the run has
        an environment to read; added to `modules` once loaded."""
        if self.installed is None or not module:
            return None
        summary = self.installed.summary(module)
        if summary is not None:
            self.modules.setdefault(module, summary)
        return summary

    # -- classes ----------------------------------------------------------
    def mro(self, module: str, qualname: str, limit: int = 30) -> Tuple[Tuple[str, str], ...]:
        """Project classes in method resolution order (depth-first, left to
        right, duplicates removed; enough for the usual hierarchies).
        Memoised as resolutions are (a method lookup asks for its class's)."""
        key = (module, qualname, limit)
        hit = self._mros.get(key)
        if hit is not None:
            value, deps = hit
            if deps and self._frames:
                self._frames[-1].update(deps)
            return value
        cut_off = self._cut_off
        if self.tracked:
            with _Frame(self._frames) as deps:
                value = self._mro(module, qualname, limit)
            deps = self._dep_sets.freeze(deps)
        else:
            value, deps = self._mro(module, qualname, limit), _NONE
        if self._cut_off == cut_off:
            self._mros[key] = (value, deps)
        return value

    def _mro(self, module: str, qualname: str, limit: int) -> Tuple[Tuple[str, str], ...]:
        order, stack, seen = [], [(module, qualname)], set()
        while stack and len(order) < limit:
            mod, qual = stack.pop(0)
            if (mod, qual) in seen:
                continue
            seen.add((mod, qual))
            info = self.klass(mod, qual)
            if info is None:
                continue
            order.append((mod, qual))
            bases = []
            for base in info.bases:
                target = self.resolve(base)
                if target.kind == "class":
                    bases.append((target.module, target.qualname))
            stack = bases + stack
        return tuple(order)

    def find_method(self, module: str, qualname: str, name: str) -> Optional[Tuple[str, str]]:
        for mod, qual in self.mro(module, qualname):
            info = self.klass(mod, qual)
            if info is not None and name in info.methods:
                return mod, info.methods[name]
        return None


class _Frame:
    """One computation's dependency set on the index's stack; on exit its
    dependencies are added to the enclosing computation's."""

    __slots__ = ("frames", "deps", "merge")

    def __init__(self, frames: list, merge: bool = True):
        self.frames = frames
        self.deps: set = set()
        self.merge = merge  # False: a join, whose users depend on it, not on what it read

    def __enter__(self) -> set:
        self.frames.append(self.deps)
        return self.deps

    def __exit__(self, *exc) -> None:
        frames = self.frames
        frames.pop()
        if frames and self.merge:
            frames[-1].update(self.deps)


_ALL_ONLY = frozenset({ALL})
_NONE: frozenset = frozenset()  # the dependencies of every fact of an index that does not track them


class DepSets(dict):
    """One object per distinct dependency set of an index's facts: most
    facts depend on the same few modules, and the full corpus's phase 2
    kept 433,000 frozensets (about 100 MB) that hold far fewer distinct
    sets."""

    def freeze(self, deps) -> frozenset:
        """A dependency set as kept: `ALL` alone stands for everything."""
        if ALL in deps:
            return _ALL_ONLY
        frozen = frozenset(deps)
        return self.setdefault(frozen, frozen)


def _modules_build(name: str, key: Hashable, part: Callable, combine: Callable) -> Callable[["ProjectIndex"], object]:
    """The build of a `join_modules` join (also for one restored in another
    process from its registered part and combine)."""
    def build(index: "ProjectIndex"):
        names = list(index.modules)
        table = _parts_table(name)
        parts = [(m, index.fact(table, (name, key, m), lambda m=m: part(index, m))) for m in names]
        index._part_counts[(name, key)] = len(parts)
        index._part_orders[(name, key)] = _names_digest(names)
        return combine(parts)
    return build


class _Encoded(dict):
    """The restored joins, their values still encoded (`restore(saved)` with
    `saved["decode"]`): (name, key) -> (value, dependencies), each value
    decoded the first time it is read. A value that cannot be decoded is
    missing (the join is built again)."""

    def __init__(self, decode: Callable[[bytes], object]):
        super().__init__()
        self.decode = decode
        self._encoded: set = set()
        self._blobs: dict = {}  # key -> the blob a decoded value was read from (saved again as it is)

    def put_encoded(self, key, blob: bytes, deps: frozenset) -> None:
        dict.__setitem__(self, key, (blob, deps))
        self._encoded.add(key)

    def __setitem__(self, key, entry) -> None:
        self._encoded.discard(key)
        self._blobs.pop(key, None)
        dict.__setitem__(self, key, entry)

    def __getitem__(self, key):
        entry = dict.__getitem__(self, key)
        if key in self._encoded:
            self._encoded.discard(key)
            try:
                decoded = (self.decode(entry[0]), entry[1])
            except Exception:
                dict.__delitem__(self, key)
                raise KeyError(key) from None
            self._blobs[key] = entry[0]
            entry = decoded
            dict.__setitem__(self, key, entry)
        return entry

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def raw(self, key) -> Tuple[object, frozenset, bool]:
        """(value or blob, dependencies, encoded): a join read from a blob
        and not built again is saved as that blob, not encoded again."""
        value, deps = dict.__getitem__(self, key)
        blob = self._blobs.get(key)
        if blob is not None:
            return blob, deps, True
        return value, deps, key in self._encoded


# -- fact tables kept on disk in shards -----------------------------------------
# About this many facts a shard when a table is first cut (a table keeps its
# shard count while it is restored and saved again).
_SHARD_SIZE = 1000


def shard_of(key: Hashable, count: int) -> int:
    """The shard of a fact's key: the same in every process (`repr` of the
    keys, tuples of strings, numbers, None and booleans, does not depend on
    hash randomisation)."""
    return zlib.crc32(repr(key).encode()) % count if count > 1 else 0


def _names_digest(names: list) -> str:
    return hashlib.blake2b("\0".join(names).encode(), digest_size=16).hexdigest()


class _Shards:
    """The shards of one restored table: `count` of them, `read(name, i)`
    the entries of shard i (None: it cannot be read). `loaded`: the entries of each shard read, as read
    (what `changed` compares with)."""

    __slots__ = ("name", "count", "read", "loaded", "failed", "strict")

    def __init__(self, name: str, count: int, read: Callable):
        self.name = name
        self.count = count
        self.read = read
        self.loaded: Dict[int, dict] = {}
        self.failed: set = set()
        # While the restore's update runs: what went stale must be known
        # whole (a join of parts compares the dropped parts), so a shard
        # that cannot be read fails the restore (the run starts afresh).
        self.strict = False

    def entries(self, i: int) -> dict:
        entries = self.read(self.name, i)
        if entries is None:
            if self.strict:
                raise LookupError(f"saved facts: shard {i} of {self.name} cannot be read")
            # Facts are derived: a shard that cannot be read later is
            # computed again as needed and written anew.
            self.failed.add(i)
            entries = {}
        self.loaded[i] = entries
        return entries



class _ShardedTable:
    """A restored fact table whose entries are read from disk one shard
    at a time, when a key of that shard is looked up (`table[key]`, `key
    in table`, `get`) or an update needs the facts that depended on a name
    (`read_these`). A shard read after an update leaves out the facts that
    went stale (the index's `_stale_deps`)."""

    shards: _Shards
    index: "ProjectIndex"

    def attach(self, shards: _Shards, index: "ProjectIndex") -> None:
        self.shards = shards
        self.index = index
        self.added: set = set()  # keys stored in this table (not read)

    def carried(self, index: "ProjectIndex") -> "_ShardedTable":
        """An empty table of `index` reading the same shards (the caller
        copies the entries read so far)."""
        table = _ShardedMemo(index._frames, index._rev, self._name, index._dep_sets) if isinstance(self, Memo) else _ShardedDict()
        table.attach(self.shards, index)
        table.added = set(self.added)
        return table

    def __setitem__(self, key, entry) -> None:
        self.added.add(key)
        dict.__setitem__(self, key, entry)

    def changed_shards(self) -> Dict[int, dict]:
        """{shard: its entries now} of the shards whose entries differ from
        what was read: a fact read and dropped or replaced (by identity: a
        carried fact is the object read), or one stored since (`added`,
        the only keys whose shard is computed here)."""
        shards = self.shards
        dirty = {i for i, before in shards.loaded.items()
                 if i in shards.failed or any(dict.get(self, k) is not e for k, e in before.items())}
        new: Dict[int, list] = {}
        for key in self.added:
            if dict.__contains__(self, key):
                i = shard_of(key, shards.count)
                if i not in shards.loaded:
                    # stored without a look-up first (none today: every fact
                    # is looked up before it is stored): read the rest of its shard
                    self._read(i)
                new.setdefault(i, []).append(key)
                dirty.add(i)
        out = {}
        for i in dirty:
            entries = out[i] = {k: dict.__getitem__(self, k) for k in shards.loaded[i] if dict.__contains__(self, k)}
            for k in new.get(i, ()):
                entries[k] = dict.__getitem__(self, k)
        return out

    def _read(self, i: int) -> None:
        index = self.index
        stale = index._stale_deps
        name = self.shards.name
        for key, entry in self.shards.entries(i).items():
            if dict.__contains__(self, key):
                continue
            if stale and not entry[1].isdisjoint(stale):
                index._dropped(name, key, entry)
            else:
                dict.__setitem__(self, key, entry)

    def read_these(self, shards: Iterable[int]) -> None:
        loaded = self.shards.loaded
        for i in shards:
            if i not in loaded:
                self._read(i)

    def _has(self, key) -> bool:
        if dict.__contains__(self, key):
            return True
        shards = self.shards
        i = shard_of(key, shards.count)
        if i in shards.loaded:
            return False
        self._read(i)
        return dict.__contains__(self, key)

    def __missing__(self, key):
        if self._has(key):
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def __contains__(self, key) -> bool:
        return self._has(key)

    def get(self, key, default=None):
        return dict.__getitem__(self, key) if self._has(key) else default

    def setdefault(self, key, default=None):
        if self._has(key):
            return dict.__getitem__(self, key)
        self[key] = default
        return default


class _ShardedDict(_ShardedTable, dict):
    _name = ""


class Memo(dict):
    """A fact table filled piece by piece by a recursive computation (with
    its own cycle guard): key -> (value, dependencies). `lookup` adds an
    entry's dependencies to the current computation; `put` stores them."""

    def __init__(self, frames: list, rev: Optional[dict] = None, name: str = "",
                 dep_sets: Optional[DepSets] = None):
        super().__init__()
        self._frames = frames
        self._rev = rev  # the index's dependency map
        self._name = name
        self._dep_sets = dep_sets if dep_sets is not None else DepSets()

    def lookup(self, key, default=None):
        entry = dict.get(self, key)
        if entry is None:
            return default
        if self._frames and entry[1]:
            self._frames[-1].update(entry[1])
        return entry[0]

    def put(self, key, value, deps=frozenset()) -> None:
        frozen = self._dep_sets.freeze(deps)
        dict.__setitem__(self, key, (value, frozen))
        rev = self._rev
        if rev is not None:
            item = (self._name, key)
            for dep in frozen:
                rev.setdefault(dep, []).append(item)


class _ShardedMemo(_ShardedTable, Memo):
    def put(self, key, value, deps=frozenset()) -> None:
        self.added.add(key)
        Memo.put(self, key, value, deps)
