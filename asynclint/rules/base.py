"""What a rule is.

A rule module defines one subclass of `Rule` with its metadata, its
documentation and examples, the node types it wants, and `check()`. The engine
walks each file once and calls `check(node, ctx)` for every node of those
types; `ctx` (`asynclint.context.Context`) carries the scope stack, the
ancestors of the node, symbol resolution and reporting. Rules keep no state of
their own: per-scope state lives in `ctx.scope.state`, and scope-level
conclusions go in `leave_scope()`.
"""
from __future__ import annotations

import ast
import textwrap
from typing import ClassVar, FrozenSet, Iterable, Optional, Tuple, Type

from ..diagnostics import Applicability, Fixability, Severity


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""  # kebab-case
    summary: ClassVar[str] = ""  # one line, shown by `asynclint rules`
    message: ClassVar[str] = ""  # str.format template, fields given to report()
    severity: ClassVar[Severity] = Severity.WARNING
    fixable: ClassVar[Fixability] = Fixability.NEVER
    fix_applicability: ClassVar[Applicability] = Applicability.SAFE
    default_enabled: ClassVar[bool] = True  # False: opt-in ("strict") rules
    runtime_only: ClassVar[bool] = False  # reported only by the runtime shim
    node_types: ClassVar[Tuple[Type[ast.AST], ...]] = ()
    # For `ast.Call` nodes: the callee names the check can act on, as last
    # parts (`get_event_loop` for `asyncio.get_event_loop`, the attribute of
    # `loop.call_soon`). The engine calls the rule only for a call whose
    # callee is spelled with one of them or resolves (through imports and
    # aliases) to a dotted name ending in one, so most calls reach no rule.
    # None: every call. Declare it only when the check returns at once for
    # any other callee.
    callee_names: ClassVar[Optional[FrozenSet[str]]] = None
    # Words the check needs in the file's text (`rules/_text.mentions`): in
    # a file without any of them the engine leaves the rule out of its walk
    # (no `check`, no `leave_scope`). Declare them only when the check
    # returns at once in such a file for every node type it names.
    file_words: ClassVar[Optional[Tuple[str, ...]]] = None
    # True: the check returns at once for a call outside an `async def`'s
    # own body (`not ctx.in_async`), so sync code's calls do not reach it.
    calls_in_async_only: ClassVar[bool] = False
    # `ast.Name` nodes reach the rule only for the identifiers it asked for
    # in this file (`ctx.watch_name(rule, name)`), not every name: for a
    # check that looks at a name only once something earlier in the file
    # (a binding it saw) made that name interesting.
    watched_names_only: ClassVar[bool] = False
    # True: at `ast.Assign`/`ast.AnnAssign` the check only records `self.x`
    # values (`_blocking.note_self_attribute`), which the blocking family
    # does for every rule: while it runs, assignments do not reach the rule.
    notes_self_attributes_only: ClassVar[bool] = False
    # Documentation, shown by `asynclint rule CODE` and in docs/rules.md.
    why: ClassVar[str] = ""  # why it is bad
    bad_example: ClassVar[str] = ""
    good_example: ClassVar[str] = ""
    fix_notes: ClassVar[str] = ""  # what the fix does, or why there is none

    def check(self, node: ast.AST, ctx) -> None:  # pragma: no cover - interface
        """Inspect one node; report through ctx.report()/ctx.report_if()."""

    def leave_scope(self, scope, ctx) -> None:
        """Called when a function, lambda, class or module scope ends."""

    @property
    def family(self) -> str:
        return self.code[:4]

    def documentation(self) -> str:
        """The rule's full documentation as Markdown."""
        parts = [f"# {self.code} `{self.name}`", "", self.summary, ""]
        parts += ["## Why is this bad?", "", textwrap.dedent(self.why).strip(), ""]
        if self.bad_example:
            parts += ["## Example", "", "```python", textwrap.dedent(self.bad_example).strip(), "```", ""]
        if self.good_example:
            parts += ["## Use instead", "", "```python", textwrap.dedent(self.good_example).strip(), "```", ""]
        fix = f"Fixable: {self.fixable.value}"
        if self.fixable is not Fixability.NEVER:
            fix += f" ({self.fix_applicability.value})"
        parts += ["## Fix", "", fix + "." + (" " + textwrap.dedent(self.fix_notes).strip() if self.fix_notes else ""), ""]
        if self.runtime_only:
            parts += ["This code is reported only by the runtime shim (`asynclint run -- python app.py`, "
                      "`pytest --asynclint-runtime`); static analysis cannot see it.", ""]
        if not self.default_enabled:
            parts += ["This rule is opt-in: enable it with `--extend-select " + self.code + "`.", ""]
        parts += _settings_and_peers(self.code)
        return "\n".join(parts)


def last_names(*groups: Iterable[str]) -> FrozenSet[str]:
    """The last parts of dotted names (for `callee_names`)."""
    return frozenset(name.rsplit(".", 1)[-1] for group in groups for name in group)


def _settings_and_peers(code: str) -> list:
    """"Settings" and "Related checks" sections, from their owners
    (`config.SETTING_RULES`, `knowledge.peers`)."""
    from ..config import settings_for
    from ..knowledge.peers import PEERS, TOOLS

    parts = []
    keys = settings_for(code)
    if keys:
        parts += ["## Settings", "", "Besides `select`/`ignore`/`per-file-ignores`: "
                  + ", ".join(f"`{k}`" for k in keys) + " (`[tool.asynclint]`, see docs/configuration.md).", ""]
    row = PEERS.get(code)
    if row is not None and any(row[1:]):
        related = [f"{tool}: {value}" for tool, value in zip(TOOLS, row[1:]) if value]
        parts += ["## Related checks in other tools", "", "; ".join(related) + ".", ""]
    return parts
