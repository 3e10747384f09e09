"""Parse files written for a newer Python than the one running asynclint.

asynclint reads files with the standard library ``ast``.  On Python 3.11,
``ast.parse`` rejects syntax added later; this module gets an ``ast.Module``
for such files anyway, with every node at the line and column the newer
interpreter would give it.

Entry point: :func:`parse`.  It calls ``ast.parse`` first; only when that
raises ``SyntaxError`` (so files that parse cost nothing extra) does it scan
the text with a small tokenizer of its own (3.11's ``tokenize`` mis-reads
PEP 701 f-strings) and apply *position-preserving* rewrites:

=============================  =====  =========================================
construct                      needs  rewrite
=============================  =====  =========================================
``type X[..] = V`` (PEP 695)   3.12   ``type`` becomes ``if 1:`` at line start
                                      (blanked elsewhere); the tree is then
                                      unwrapped to ``Assign(targets=[Name X])``
                                      spanning the whole statement, exactly
                                      where ``TypeAlias`` would be.
type parameter list            3.12   ``[...]`` blanked.  A list spanning lines
``def f[T]``, ``class C[T]``          keeps its newlines, each one preceded by
(bounds, constraints, ``*Ts``,        a backslash written over the line's last
``**P``; defaults are 3.13)           blanked character, so the line structure
                                      is unchanged.  Type-param nodes vanish.
PEP 701 f-strings (3.12):      3.12   the whole implicitly concatenated string
nested same quotes, ``\\`` or         is replaced by ``(   )`` of the same
``#`` in fields, multi-line           shape; a ``JoinedStr`` built here (fields
fields in ``'...'``                   parsed in place) is spliced in.  Layout
                                      follows 3.13 (3.12.x adds a zero-width
                                      empty ``Constant`` after a format spec
                                      ending in a field).
``except A, B:`` (PEP 758)     3.14   the tail ``, B`` is blanked; the handler's
                                      ``type`` becomes ``Tuple(A, B)`` parsed in
                                      place.
``t"..."`` (PEP 750)           3.14   ``t`` -> ``f``; the resulting JoinedStr is
                                      turned into ``TemplateStr`` /
                                      ``Interpolation`` (``ast``'s own classes
                                      on 3.14, look-alike ``ast.expr``
                                      subclasses defined here before that;
                                      ``compile()`` cannot take them).
=============================  =====  =========================================

On 3.11 a fast path (``_Fast``) comes first: it finds type aliases and
type parameter lists with regular expressions instead of the tokenizer,
accepts its tree only when each match turns out to be a statement at its
exact position, and rebuilds f-strings from the tree's ``JoinedStr`` nodes.
The tree it returns is the one the full rewrite below gives; when it cannot
vouch for that it returns None and the full rewrite runs
(``benchmarks/newsyntax_corpus.py --check`` compares the two over a corpus).

Every rewrite replaces characters by characters with the same UTF-8 length
and never adds or removes a line break, so all untouched nodes keep their
``lineno/col_offset/end_lineno/end_col_offset``.  Constructs the running
interpreter already knows are left alone (on 3.12, only 3.13/3.14 syntax is
rewritten).

On 3.11 *every* f-string of a rewritten file is rebuilt, not only those 3.11
rejects: 3.11 places the ``Constant``/``FormattedValue`` pieces inside an
f-string differently from 3.12+, and the promise is the newer layout for
the whole tree.  Files that ``ast.parse`` accepts are returned untouched,
with 3.11's own f-string layout.  Checked: all 880 files of the 10,869-file
corpus that 3.11 rejects, and the whole corpus forced through the rewrite
path, give exactly the nodes, positions, constants and conversions of
``ast.parse`` on 3.13.

Broken files versus newer files (the rule)
------------------------------------------
Let *E* be the ``SyntaxError`` of the first ``ast.parse``.

1. No newer construct found by the scan -> raise *E* unchanged.
2. Every construct found could be rewritten exactly and the rewritten text
   parses -> return the tree.
3. Every construct could be rewritten but the rewritten text still fails ->
   the file is broken for a reason unrelated to newer syntax (the newer
   interpreter would reject it too) -> raise *E*, the original error with the
   parser's own message and position; a note (``add_note``) tells where the
   parser fails once the newer syntax is set aside.
4. Some construct cannot be rewritten exactly (e.g. a type parameter list
   spanning lines with an empty line inside) -> a *lossy* rewrite (lines
   joined; positions no longer kept) checks the rest of the file.  If that
   parses, the newer interpreter would parse the file -> raise
   :class:`UnsupportedSyntax` naming the first such construct.  If not -> the
   file is broken anyway -> raise *E* (as in 3).

So :class:`UnsupportedSyntax` is raised only when the file would parse on
the newer interpreter, and a plain typo always gives the original error.
``UnsupportedSyntax.needs`` is the newest version any construct in the file
requires, i.e. what to run asynclint under.
"""
from __future__ import annotations

import ast
import bisect
import operator
import re
import sys
import unicodedata
from collections import deque
from itertools import accumulate
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

_RUNNING = sys.version_info[:2]

__all__ = [
    "UnsupportedSyntax",
    "Construct",
    "parse",
    "describe_newer_syntax",
    "find_newer_syntax",
    "TemplateStr",
    "Interpolation",
]


# --------------------------------------------------------------------------
# public exception and construct record


class TypeVar:
    """Stand-in for Python 3.12's `ast.TypeVar` on older interpreters: the
    name and bound of one type parameter (ParamSpec and TypeVarTuple
    parameters carry no bound and are left out)."""

    __slots__ = ("name", "bound")

    def __init__(self, name: str, bound: Optional[ast.expr]):
        self.name = name
        self.bound = bound


def _split_top(text: str, sep: str) -> List[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def _type_params_of(text: str) -> list:
    params = []
    for raw in _split_top(" ".join(text.split()), ","):
        item = _split_top(raw, "=")[0].strip()  # drop a 3.13 default
        if not item or item.startswith("*"):
            continue
        name, _, bound_text = item.partition(":")
        bound = None
        if bound_text.strip():
            try:
                bound = ast.parse(bound_text.strip(), mode="eval").body
            except SyntaxError:
                bound = None
        params.append(TypeVar(name.strip(), bound))
    return params


class UnsupportedSyntax(Exception):
    """Newer syntax that cannot be rewritten for the running interpreter."""

    def __init__(
        self,
        construct: str,
        needs: Tuple[int, int],
        lineno: int,
        col: int,
        own_needs: Optional[Tuple[int, int]] = None,
        filename: str = "<unknown>",
    ) -> None:
        super().__init__(construct, needs, lineno, col)
        self.construct = construct
        self.needs = tuple(needs)
        self.own_needs = tuple(own_needs or needs)
        self.lineno = lineno
        self.col = col
        self.filename = filename

    def __str__(self) -> str:
        own = "%d.%d" % self.own_needs
        need = "%d.%d" % self.needs
        return f"{self.construct} needs Python {own}; run asynclint under Python >= {need}"


@dataclass
class Construct:
    """One use of newer syntax found by the scan."""

    name: str
    needs: Tuple[int, int]
    start: int  # character offset in the source
    end: int
    exact: bool = True  # could be rewritten keeping positions
    lineno: int = 0  # 1-based
    col: int = 0  # 1-based character column


# --------------------------------------------------------------------------
# t-string nodes for interpreters older than 3.14

if hasattr(ast, "TemplateStr"):  # pragma: no cover - Python >= 3.14
    TemplateStr = ast.TemplateStr
    Interpolation = ast.Interpolation
else:

    class TemplateStr(ast.expr):
        """Look-alike of Python 3.14's ``ast.TemplateStr`` (PEP 750)."""

        _fields = ("values",)

    class Interpolation(ast.expr):
        """Look-alike of Python 3.14's ``ast.Interpolation`` (PEP 750)."""

        _fields = ("value", "str", "conversion", "format_spec")


# --------------------------------------------------------------------------
# scanner


class _ScanError(Exception):
    pass


_OPS = sorted(
    "**= //= >>= <<= ... ** // >> << <= >= == != -> += -= *= /= %= &= |= ^= @= :=".split(),
    key=len,
    reverse=True,
)
_OP_RE = re.compile("|".join(re.escape(op) for op in _OPS))
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NAME_RE = re.compile(r"[^\W\d]\w*")
_NUM_RE = re.compile(r"\.?\d(?:[eE][+-]|[\w.])*")
_STR_PREFIXES = {
    "", "r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt",
}


@dataclass
class _Tok:
    kind: str  # NAME NUMBER OP STRING NEWLINE
    start: int
    end: int
    text: str
    fstr: Optional["_FStr"] = None
    stmt_start: bool = False
    line_start: bool = False  # first token on its physical line


@dataclass
class _Field:
    open: int  # offset of "{"
    close: int  # offset of "}"
    expr: Tuple[int, int]
    debug: Optional[Tuple[int, int]]  # text from after "{" to end of "=" + blanks
    conversion: int
    spec: Optional["_Body"]


@dataclass
class _Body:
    start: int
    end: int
    # items: ("lit", start, end) or ("field", _Field)
    items: list = field(default_factory=list)


@dataclass
class _FStr:
    prefix: str
    raw: bool
    template: bool
    body: _Body


class _Scanner:
    def __init__(self, src: str) -> None:
        self.src = src
        self.n = len(src)

    # -- strings ------------------------------------------------------------
    def string(self, start: int, qpos: int) -> Tuple[int, Optional[_FStr]]:
        src = self.src
        prefix = src[start:qpos].lower()
        q = src[qpos]
        triple = src.startswith(q * 3, qpos)
        quote = q * 3 if triple else q
        i = qpos + len(quote)
        raw = "r" in prefix
        if "f" in prefix or "t" in prefix:
            body, i = self.fbody(i, quote, raw, in_spec=False)
            return i + len(quote), _FStr(prefix, raw, "t" in prefix, body)
        while True:
            if i >= self.n:
                raise _ScanError("unterminated string")
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if src.startswith(quote, i):
                return i + len(quote), None
            if c in "\r\n" and not triple:
                raise _ScanError("unterminated string")
            i += 1

    def fbody(self, i: int, quote: str, raw: bool, in_spec: bool) -> Tuple[_Body, int]:
        src = self.src
        body = _Body(i, i)
        lit = i
        triple = len(quote) == 3

        def flush(j: int) -> None:
            if j > lit:
                body.items.append(("lit", lit, j))

        while True:
            if i >= self.n:
                raise _ScanError("unterminated f-string")
            c = src[i]
            if in_spec and c == "}":
                flush(i)
                body.end = i
                return body, i
            if not in_spec and src.startswith(quote, i):
                flush(i)
                body.end = i
                return body, i
            if c == "\\":
                nxt = src[i + 1 : i + 2]
                if nxt in ("{", "}"):
                    i += 1
                elif not raw and nxt == "N" and src[i + 2 : i + 3] == "{":
                    j = src.find("}", i)
                    if j < 0:
                        raise _ScanError("bad \\N escape")
                    i = j + 1
                else:
                    i += 2
                continue
            if c == "{":
                if src[i + 1 : i + 2] == "{":
                    i += 2
                    continue
                flush(i)
                fld, i = self.field(i, quote, raw)
                body.items.append(("field", fld))
                lit = i
                continue
            if c == "}":
                if src[i + 1 : i + 2] == "}":
                    i += 2
                    continue
                raise _ScanError("single '}' in f-string")
            if c in "\r\n" and not triple:
                raise _ScanError("unterminated f-string")
            i += 1

    def field(self, i: int, quote: str, raw: bool) -> Tuple[_Field, int]:
        src = self.src
        open_ = i
        i += 1
        expr_start = i
        depth = 0
        debug = None
        conversion = -1
        spec = None
        expr_end = None
        while True:
            if i >= self.n:
                raise _ScanError("unterminated f-string field")
            c = src[i]
            if c in " \t\f\r\n":
                i += 1
                continue
            if c == "\\" and src[i + 1 : i + 2] in ("\n", "\r"):
                i += 2
                continue
            if c == "#":
                while i < self.n and src[i] not in "\r\n":
                    i += 1
                continue
            if depth == 0 and c in "}!:=":
                op = self.op_at(i)
                if c == "=" and op == "=":
                    # debug specifier: keep trailing blanks in the text
                    if expr_end is None:
                        expr_end = self._rstrip(expr_start, i)
                    i += 1
                    while i < self.n and src[i] in " \t\f":
                        i += 1
                    debug = (expr_start, i)
                    continue
                if c == "!" and op == "!=":
                    i += 2
                    continue
                if c in "}!:":
                    if expr_end is None:
                        expr_end = i
                    if c == "!":
                        m = _NAME_RE.match(src, i + 1)
                        if not m or m.group() not in ("r", "s", "a"):
                            raise _ScanError("bad conversion")
                        conversion = ord(m.group())
                        i = m.end()
                        if src[i : i + 1] not in (":", "}"):
                            raise _ScanError("bad conversion")
                        continue
                    if c == ":":
                        spec_body, i = self.fbody(i + 1, quote, raw, in_spec=True)
                        spec_body.start -= 1  # the spec node starts at ":"
                        spec = spec_body
                        continue
                    # "}"
                    if debug is not None and expr_end is None:
                        expr_end = i
                    return (
                        _Field(open_, i, (expr_start, expr_end), debug, conversion, spec),
                        i + 1,
                    )
            if c in "([{":
                depth += 1
                i += 1
                continue
            if c in ")]}":
                depth -= 1
                if depth < 0:
                    raise _ScanError("unbalanced")
                i += 1
                continue
            if c in "\"'":
                i, _ = self.string(i, i)
                continue
            m = _NAME_RE.match(src, i)
            if m:
                j = m.end()
                if src[j : j + 1] in ("'", '"') and m.group().lower() in _STR_PREFIXES:
                    i, _ = self.string(i, j)
                else:
                    i = j
                continue
            op = self.op_at(i)
            i += len(op)

    def _rstrip(self, lo: int, hi: int) -> int:
        while hi > lo and self.src[hi - 1] in " \t\f\r\n":
            hi -= 1
        return hi

    def op_at(self, i: int) -> str:
        m = _OP_RE.match(self.src, i)  # the longest operator first, as _OPS is ordered
        return m.group() if m else self.src[i]

    # -- whole file ---------------------------------------------------------
    def tokens(self) -> List[_Tok]:
        src, n = self.src, self.n
        toks: List[_Tok] = []
        i = 0
        depth = 0
        at_stmt = True
        at_line = True
        while i < n:
            c = src[i]
            if c in " \t\f":
                i += 1
                continue
            if c == "#":
                while i < n and src[i] not in "\r\n":
                    i += 1
                continue
            if c == "\\" and src[i + 1 : i + 2] in ("\n", "\r"):
                i += 3 if src.startswith("\r\n", i + 1) else 2
                continue
            if c in "\r\n":
                i += 2 if src.startswith("\r\n", i) else 1
                at_line = True
                if depth == 0 and toks and toks[-1].kind != "NEWLINE":
                    toks.append(_Tok("NEWLINE", i, i, ""))
                    at_stmt = True
                continue
            start = i
            m = _NAME_RE.match(src, i)
            if m:
                j = m.end()
                if src[j : j + 1] in ("'", '"') and m.group().lower() in _STR_PREFIXES:
                    i, fs = self.string(start, j)
                    tok = _Tok("STRING", start, i, src[start:i], fs)
                else:
                    i = j
                    tok = _Tok("NAME", start, i, m.group())
            elif c in "\"'":
                i, fs = self.string(start, i)
                tok = _Tok("STRING", start, i, src[start:i], fs)
            elif c.isdigit() or (c == "." and src[i + 1 : i + 2].isdigit()):
                m = _NUM_RE.match(src, i)
                i = m.end()
                tok = _Tok("NUMBER", start, i, m.group())
            else:
                op = self.op_at(i)
                i += len(op)
                tok = _Tok("OP", start, i, op)
                if op in "([{" :
                    depth += 1
                elif op in ")]}":
                    depth = max(0, depth - 1)
            tok.stmt_start = at_stmt
            tok.line_start = at_line
            at_line = False
            at_stmt = depth == 0 and tok.kind == "OP" and tok.text in (";", ":")
            toks.append(tok)
        return toks


# --------------------------------------------------------------------------
# helpers


def _utf8len(ch: str) -> int:
    o = ord(ch)
    return 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4


_ESCAPES = {
    "\n": "", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
    "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}
_ESC_RE = re.compile(
    r"\\(?:(\n)|([\\'\"abfnrtv])|([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})"
    r"|U([0-9a-fA-F]{8})|N\{([^}]*)\})"
)


def _decode(text: str, raw: bool, fmt: bool = True) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt:
        text = text.replace("{{", "{").replace("}}", "}")
    if raw:
        return text

    def sub(m: "re.Match[str]") -> str:
        if m.group(1) is not None:
            return ""
        if m.group(2):
            return _ESCAPES[m.group(2)]
        if m.group(3):
            return chr(int(m.group(3), 8))
        for g in (4, 5, 6):
            if m.group(g):
                return chr(int(m.group(g), 16))
        return unicodedata.lookup(m.group(7))

    return _ESC_RE.sub(sub, text)


def _set_pos(node: ast.AST, start: Tuple[int, int], end: Tuple[int, int]) -> ast.AST:
    node.lineno, node.col_offset = start
    node.end_lineno, node.end_col_offset = end
    return node


def _line_starts(src: str) -> List[int]:
    """Offsets where lines start: after "\\n", "\\r\\n" or a lone "\\r"
    (found in C, not character by character; without "\\r", from the
    lengths of the lines split at "\\n", a few times faster still)."""
    if "\r" in src:
        return [0] + [m.end() for m in _LINE_BREAK.finditer(src)]
    lengths = accumulate(map(len, src.split("\n")), initial=0)
    return list(map(operator.add, lengths, range(src.count("\n") + 1)))


class _Buffer:
    """The rewritten text as edits of the source: character offset -> what
    replaces that character (a rewrite changes few characters of a file)."""

    __slots__ = ("src", "edits")

    def __init__(self, src: str) -> None:
        self.src = src
        self.edits: dict = {}

    def __getitem__(self, i: int) -> str:
        return self.edits.get(i, self.src[i])

    def __setitem__(self, i, value) -> None:
        if type(i) is slice:
            start, stop, _step = i.indices(len(self.src))
            if stop - start != len(value):
                raise ValueError("a rewrite replaces characters one by one")
            self.edits.update(zip(range(start, stop), value))
        else:
            self.edits[i] = value

    def text(self) -> str:
        src, edits = self.src, self.edits
        pieces, at = [], 0
        for i in sorted(edits):
            pieces.append(src[at:i])
            pieces.append(edits[i])
            at = i + 1
        pieces.append(src[at:])
        return "".join(pieces)


# --------------------------------------------------------------------------
# the rewriter


class _Rewriter:
    def __init__(self, src: str, filename: str) -> None:
        self.src = src
        self.filename = filename
        self.buf = _Buffer(src)
        self.generics: List[Tuple[int, str, str]] = []  # (line, name, parameter text)
        self.constructs: List[Construct] = []
        self.line_starts = _line_starts(src)
        # post-processing records
        self.aliases: List[Tuple[int, int]] = []  # (type keyword offset, name offset)
        self.excepts: List[Tuple[int, int, int]] = []  # (except offset, tuple start, end)
        self.placeholders: dict = {}  # position -> builder thunk

    # positions ------------------------------------------------------------
    def pos(self, off: int) -> Tuple[int, int]:
        """(1-based line, UTF-8 byte column) of a character offset."""
        k = bisect.bisect_right(self.line_starts, off) - 1
        ls = self.line_starts[k]
        return k + 1, len(self.src[ls:off].encode("utf-8", "surrogatepass"))

    def charpos(self, off: int) -> Tuple[int, int]:
        k = bisect.bisect_right(self.line_starts, off) - 1
        return k + 1, off - self.line_starts[k] + 1

    def add(self, name: str, needs: Tuple[int, int], start: int, end: int) -> Construct:
        line, col = self.charpos(start)
        c = Construct(name, needs, start, end, True, line, col)
        self.constructs.append(c)
        return c

    # editing ----------------------------------------------------------------
    def blank(self, lo: int, hi: int) -> bool:
        """Blank characters in [lo, hi) keeping UTF-8 lengths and line breaks.

        A line break inside the span that was not already escaped gets a
        backslash written over the last blanked character before it, so the
        logical line continues as before.  Returns False if some line of the
        span has no character to carry that backslash (the caller then falls
        back to a lossy rewrite).
        """
        src, buf = self.src, self.buf
        ok = True
        last = None  # index of last blanked char on the current line
        i = lo
        while i < hi:
            c = src[i]
            if c in "\r\n":
                if last is not None and buf[last].endswith("\\"):
                    pass
                elif last is None:
                    ok = False
                else:
                    buf[last] = buf[last][:-1] + "\\"
                i += 2 if src.startswith("\r\n", i) else 1
                last = None
                continue
            if c == "\\" and src[i + 1 : i + 2] in ("\r", "\n"):
                last = i  # keep the existing continuation
            else:
                buf[i] = " " * _utf8len(c)
                last = i
            i += 1
        return ok

    def join_lines(self, lo: int, hi: int) -> None:
        """Lossy: drop line breaks (and comments) inside [lo, hi)."""
        i = lo
        while i < hi:
            c = self.src[i]
            if c in "\r\n":
                self.buf[i] = ""
            elif c == "\\" and self.src[i + 1 : i + 2] in ("\r", "\n"):
                self.buf[i] = ""
            else:
                self.buf[i] = " " * _utf8len(c)
            i += 1

    # scanning ---------------------------------------------------------------
    def scan(self) -> None:
        toks = _Scanner(self.src).tokens()
        self.toks = toks
        # bracket matching
        match = {}
        stack = []
        for k, t in enumerate(toks):
            if t.kind == "OP" and t.text in "([{":
                stack.append(k)
            elif t.kind == "OP" and t.text in ")]}" and stack:
                match[stack.pop()] = k
        n = len(toks)
        k = 0
        while k < n:
            t = toks[k]
            nxt = toks[k + 1] if k + 1 < n else None
            nxt2 = toks[k + 2] if k + 2 < n else None
            if (
                t.kind == "NAME"
                and t.text in ("def", "class")
                and nxt is not None
                and nxt.kind == "NAME"
                and nxt2 is not None
                and nxt2.text == "["
                and nxt2.kind == "OP"
                and (k + 2) in match
            ):
                self.type_params(toks, k + 2, match[k + 2])
            elif (
                t.kind == "NAME"
                and t.text == "type"
                and t.stmt_start
                and nxt is not None
                and nxt.kind == "NAME"
                and nxt2 is not None
                and nxt2.kind == "OP"
                and nxt2.text in ("=", "[")
            ):
                self.type_alias(toks, k, match)
            elif t.kind == "NAME" and t.text == "except" and t.stmt_start:
                self.except_clause(toks, k)
            elif t.kind == "STRING" and (k == 0 or toks[k - 1].kind != "STRING"):
                j = k
                while j + 1 < n and toks[j + 1].kind == "STRING":
                    j += 1
                self.string_group(toks[k : j + 1])
                k = j
            k += 1

    def type_params(self, toks: List[_Tok], lb: int, rb: int) -> None:
        lo, hi = toks[lb].start, toks[rb].end
        if lb >= 2 and toks[lb - 2].text in ("def", "class") and toks[lb - 1].kind == "NAME":
            # keep the parameters (names and bounds) for the index: the
            # blanked list is re-attached as `type_params` after parsing
            line = self.src.count("\n", 0, toks[lb - 2].start) + 1
            self.generics.append((line, toks[lb - 1].text, self.src[toks[lb].end:toks[rb].start]))
        needs = (3, 12)
        name = "type parameter list"
        depth = 0
        for t in toks[lb + 1 : rb]:
            if t.kind == "OP" and t.text in "([{":
                depth += 1
            elif t.kind == "OP" and t.text in ")]}":
                depth -= 1
            elif depth == 0 and t.kind == "OP" and t.text == "=":
                needs = (3, 13)
                name = "type parameter default"
                break
        if needs <= _RUNNING:
            return  # the running parser knows it: leave the nodes in place
        multiline = "\n" in self.src[lo:hi] or "\r" in self.src[lo:hi]
        if multiline:
            name = name + " spanning lines" if needs == (3, 12) else name
        c = self.add(name, needs, lo, hi)
        if not self.blank(lo, hi):
            c.exact = False
            self.join_lines(lo, hi)

    def type_alias(self, toks: List[_Tok], k: int, match: dict) -> None:
        kw, name = toks[k], toks[k + 1]
        if toks[k + 2].text == "[" and (k + 2) in match:
            self.type_params(toks, k + 2, match[k + 2])
        if _RUNNING >= (3, 12):
            return
        self.add("type alias statement", (3, 12), kw.start, name.end)
        gap = self.src[kw.end : name.start]
        if kw.line_start and gap.strip(" \t\f") == "":
            # "type X" at line start: blanking would indent the line
            self.buf[kw.start : kw.end + 1] = list("if 1:")
        else:
            self.blank(kw.start, kw.end)
        self.aliases.append((kw.start, name.start))

    def except_clause(self, toks: List[_Tok], k: int) -> None:
        j = k + 1
        if j < len(toks) and toks[j].kind == "OP" and toks[j].text == "*":
            j += 1
        first = j
        depth = 0
        comma = None
        while j < len(toks):
            t = toks[j]
            if t.kind == "NEWLINE":
                return
            if t.kind == "OP":
                if t.text in "([{":
                    depth += 1
                elif t.text in ")]}":
                    depth -= 1
                elif depth == 0 and t.text == ":":
                    break
                elif depth == 0 and t.text == "," and comma is None:
                    comma = j
            elif depth == 0 and t.kind == "NAME" and t.text == "as":
                return
            j += 1
        else:
            return
        if comma is None or j == first:
            return
        lo, hi = toks[first].start, toks[j - 1].end
        c = self.add("except clause with unparenthesized tuple", (3, 14), toks[k].start, hi)
        if not self.blank(toks[comma].start, hi):
            c.exact = False
            self.join_lines(toks[comma].start, hi)
        self.excepts.append((toks[k].start, lo, hi))

    def string_group(self, group: List[_Tok]) -> None:
        fs = [t for t in group if t.fstr is not None]
        if not fs:
            return
        lo, hi = group[0].start, group[-1].end
        template = any(t.fstr.template for t in fs)
        if template:
            self.add("template string", (3, 14), lo, hi)
        elif _RUNNING >= (3, 12):
            return  # native f-strings already have the newer layout
        else:
            try:
                ast.parse("(" + self.src[lo:hi] + "\n)", mode="eval")
            except SyntaxError:
                self.add("f-string using PEP 701 syntax", (3, 12), lo, hi)
        # Every f-string group of a rewritten file is rebuilt, so that the
        # pieces inside get the newer layout too (3.11 places them
        # differently), not only the groups 3.11 rejects.  Placeholder:
        # "(   )" of the same shape, replaced after parsing.
        self.blank_keep_lines(lo, hi)
        self.buf[lo] = "("
        self.buf[hi - 1] = ")"
        self.placeholders[self.pos(lo)] = (group, template)

    def blank_keep_lines(self, lo: int, hi: int) -> None:
        for i in range(lo, hi):
            c = self.src[i]
            if c not in "\r\n":
                self.buf[i] = " " * _utf8len(c)

    # post-processing --------------------------------------------------------
    def text(self) -> str:
        return self.buf.text()

    def fix(self, tree: ast.Module) -> ast.Module:
        if self.generics:
            self._attach_type_params(tree)
        if self.placeholders:
            self._splice_strings(tree)
        if self.aliases:
            self._aliases(tree)
        if self.excepts:
            self._excepts(tree)
        return tree

    def _attach_type_params(self, tree: ast.Module) -> None:
        """Give defs and classes whose parameter list was blanked a
        `type_params` list of `TypeVar` look-alikes (name and bound), as the
        newer parser's tree has; not a field, so walks do not enter it."""
        wanted = {(line, name): text for line, name, text in self.generics}
        for node in _walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                text = wanted.get((node.lineno, node.name))
                if text is not None:
                    node.type_params = _type_params_of(text)

    def _replace(self, tree: ast.AST, pick) -> None:
        """Replace nodes for which pick(node) returns a replacement."""
        for parent in _walk(tree):
            for name in parent._fields:
                value = getattr(parent, name, None)
                if isinstance(value, list):
                    for idx, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            new = pick(item)
                            if new is not None:
                                value[idx] = new
                elif isinstance(value, ast.AST):
                    new = pick(value)
                    if new is not None:
                        setattr(parent, name, new)

    def _splice_strings(self, tree: ast.Module) -> None:
        def pick(node):
            if isinstance(node, ast.Tuple) and not node.elts:
                key = (node.lineno, node.col_offset)
                if key in self.placeholders:
                    group, template = self.placeholders.pop(key)
                    new = self.build_joined(group)
                    if template:
                        new = self._to_template(new, group)
                    ast.copy_location(new, node)
                    return new
            return None

        self._replace(tree, pick)
        if self.placeholders:
            raise _ScanError("string placeholder not found")

    # -- JoinedStr builder (3.13 layout) -------------------------------------
    def build_joined(self, group: List[_Tok]) -> ast.JoinedStr:
        values: list = []
        pending: list = []  # [value, start, end] of literal run

        def lit(value: str, lo: int, hi: int) -> None:
            # a run of literal text; plain "" still opens or extends a run
            if pending:
                pending[0] += value
                pending[2] = hi
            else:
                pending.extend([value, lo, hi])

        def flush() -> None:
            if pending and pending[0]:
                values.append(
                    _set_pos(ast.Constant(value=pending[0], kind=None), self.pos(pending[1]), self.pos(pending[2]))
                )
                pending.clear()

        for t in group:
            if t.fstr is None:
                value = ast.literal_eval(t.text)
                lit(value if isinstance(value, str) else "", t.start, t.end)
                continue
            for item in t.fstr.body.items:
                if item[0] == "lit":
                    lit(_decode(self.src[item[1] : item[2]], t.fstr.raw), item[1], item[2])
                else:
                    fld = item[1]
                    if fld.debug:
                        lit(self.src[fld.debug[0] : fld.debug[1]], fld.debug[0], fld.debug[1])
                    flush()
                    values.append(self.build_field(fld, t.fstr.raw))
        flush()
        node = ast.JoinedStr(values=values)
        return _set_pos(node, self.pos(group[0].start), self.pos(group[-1].end))

    def build_field(self, fld: _Field, raw: bool) -> ast.FormattedValue:
        value = self.parse_expr(*fld.expr)
        conversion = fld.conversion
        if fld.debug and conversion == -1 and fld.spec is None:
            conversion = ord("r")
        spec = None
        if fld.spec is not None:
            vals = []
            for item in fld.spec.items:
                if item[0] == "lit":
                    vals.append(
                        _set_pos(
                            ast.Constant(value=_decode(self.src[item[1] : item[2]], raw), kind=None),
                            self.pos(item[1]),
                            self.pos(item[2]),
                        )
                    )
                else:
                    vals.append(self.build_field(item[1], raw))
            spec = _set_pos(ast.JoinedStr(values=vals), self.pos(fld.spec.start), self.pos(fld.spec.end))
        node = ast.FormattedValue(value=value, conversion=conversion, format_spec=spec)
        return _set_pos(node, self.pos(fld.open), self.pos(fld.close + 1))

    def parse_expr(self, lo: int, hi: int) -> ast.expr:
        """Parse source[lo:hi] as an expression, at its real position."""
        text = self.src[lo:hi]
        line, col = self.pos(lo)
        if line == 1 and col < 3:
            raise _ScanError("no room for the fragment prefix")
        # The fragment starts at its own column; its lines are moved down
        # afterwards (not padded with newlines, which every nested scan and
        # parse would walk through again).
        if col >= 3:
            frag, shift = "_=(" + " " * (col - 3) + text + "\n)", line - 1
        else:
            frag, shift = "_=(\n" + " " * col + text + "\n)", line - 2
        tree = self.parse_fragment(frag)
        value = tree.body[0].value
        if shift:
            ast.increment_lineno(value, shift)
        if isinstance(value, ast.Tuple):
            # unparenthesized tuple: spans first to last significant character
            s = lo
            while self.src[s] in " \t\f\r\n":
                s += 1
            e = hi
            while self.src[e - 1] in " \t\f\r\n":
                e -= 1
            _set_pos(value, self.pos(s), self.pos(e))
        return value

    def parse_fragment(self, frag: str) -> ast.Module:
        return _parse_rewritten(frag, self.filename)

    # -- t-strings ----------------------------------------------------------
    def _to_template(self, node: ast.JoinedStr, group: List[_Tok]) -> ast.expr:
        # expression text of each field, in order, for Interpolation.str
        texts = []
        for t in group:
            if t.fstr is not None:
                for item in t.fstr.body.items:
                    if item[0] == "field":
                        a, b = item[1].expr
                        texts.append(self.src[a:b])
        values = []
        it = iter(texts)
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                new = Interpolation(
                    value=v.value, str=next(it, ""), conversion=v.conversion, format_spec=v.format_spec
                )
                values.append(ast.copy_location(new, v))
            else:
                values.append(v)
        return ast.copy_location(TemplateStr(values=values), node)

    # -- type aliases -------------------------------------------------------
    def _aliases(self, tree: ast.Module) -> None:
        want = {self.pos(name): self.pos(kw) for kw, name in self.aliases}

        def alias_of(stmt):
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                tgt = stmt.targets[0]
                return want.get((tgt.lineno, tgt.col_offset))
            return None

        for parent in list(_walk(tree)):
            for fname in parent._fields:
                value = getattr(parent, fname, None)
                if not isinstance(value, list) or not value or not isinstance(value[0], ast.stmt):
                    continue
                out = []
                for stmt in value:
                    if (
                        isinstance(stmt, ast.If)
                        and not stmt.orelse
                        and isinstance(stmt.test, ast.Constant)
                        and stmt.test.value == 1
                        and stmt.body
                        and alias_of(stmt.body[0]) == (stmt.lineno, stmt.col_offset)
                    ):
                        out.extend(stmt.body)
                    else:
                        out.append(stmt)
                value[:] = out
                for stmt in value:
                    start = alias_of(stmt)
                    if start is not None:
                        stmt.lineno, stmt.col_offset = start
        # statements hoisted out of "if 1:" wrappers may themselves be aliases
        # inside nested bodies; the walk above already visited every body.

    # -- except A, B ----------------------------------------------------------
    def _excepts(self, tree: ast.Module) -> None:
        want = {self.pos(kw): (lo, hi) for kw, lo, hi in self.excepts}
        for node in _walk(tree):
            if isinstance(node, ast.ExceptHandler):
                span = want.pop((node.lineno, node.col_offset), None)
                if span is not None:
                    node.type = self.parse_expr(*span)
        if want:
            raise _ScanError("except handler not found")


def _walk(node: ast.AST):
    """`ast.walk` (breadth first, a node's children queued before it is
    yielded, so a caller may replace them), without a generator per node."""
    AST = ast.AST
    todo = deque([node])
    pop, push = todo.popleft, todo.append
    while todo:
        node = pop()
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                push(value)
            elif type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        push(item)
        yield node


def _parse_rewritten(source: str, filename: str) -> ast.Module:
    """Parse with the rewrites always applied (used for f-string fields and
    except tuples, so that nested f-strings get the newer layout too)."""
    rw = _Rewriter(source, filename)
    rw.scan()
    if any(not c.exact for c in rw.constructs):
        raise _ScanError("not exact")
    return rw.fix(ast.parse(rw.text(), filename))


# --------------------------------------------------------------------------
# fast path (3.11): rewrites found by pattern, confirmed by the tree
#
# The scan above tokenizes the whole file in Python (about 8 ms a file).  On
# 3.11 nearly every rejected file uses only `type X = ...` and `def f[T]` /
# `class C[T]`, which regular expressions find in C.  A match may sit in a
# string or a comment, so a rewrite counts only when the re-parsed tree has
# the expected statement at exactly its position (a string or comment cannot
# hold a statement); then the rewritten text is the one `_Rewriter.scan`
# produces, and the tree is the same.  f-strings are left in the text (3.11
# parsed them: none uses newer syntax) and rebuilt from the tree's JoinedStr
# nodes, visiting only subtrees whose span holds an f-string prefix.
# Anything unexpected returns None and the full rewrite runs instead.

# `type X =` or `type X[` at the start of a line: searched from the literal
# `type` (fast) and the start of the line checked after (`_aliases_in`)
_ALIAS_RE = re.compile(r"(type)[ \t\f]+([^\W\d]\w*)[ \t\f]*([=\[])")
# (no `\b`, which makes the search several times slower: the start is
# checked instead); one expression per keyword, each searched from its literal
_GENERIC_RES = (re.compile(r"def[ \t\f]+([^\W\d]\w*)[ \t\f]*(\[)"),
                re.compile(r"class[ \t\f]+([^\W\d]\w*)[ \t\f]*(\[)"))
# the opening quote of a string with an `f` in its prefix (quotes first: fast)
_FQUOTE_RE = re.compile(r"['\"](?<=[fF]['\"])|['\"](?<=[fF][rR]['\"])|['\"](?<=[rR][fF]['\"])")
_STRING_START_RE = re.compile(r"([^\W\d]\w*)?(['\"])")
_ASYNC_DEF_RE = re.compile(r"async[ \t\f]+def")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


_match_start = operator.methodcaller("start")


def _aliases_in(src: str) -> list:
    """The `_ALIAS_RE` matches whose `type` starts its line (only spaces,
    tabs and form feeds before it: one match per line at most, so a match
    rejected here hides no other)."""
    out = []
    for m in _ALIAS_RE.finditer(src):
        at = m.start()
        if not src[src.rfind("\n", 0, at) + 1 : at].strip(" \t\f"):
            out.append(m)
    return out


class _Fast:
    """One file (or f-string field fragment) through the fast path."""

    def __init__(self, src: str, filename: str) -> None:
        self.src = src
        self.filename = filename
        self._rw: Optional[_Rewriter] = None

    @property
    def rw(self) -> "_Rewriter":
        if self._rw is None:
            self._rw = _FastRewriter(self.src, self.filename)
        return self._rw

    def offset(self, line: int, col: int) -> int:
        """Character offset of (1-based line, UTF-8 byte column)."""
        ls = self.rw.line_starts[line - 1]
        head = self.src[ls : ls + col]
        if head.isascii():
            return ls + col
        line_end = self.rw.line_starts[line] if line < len(self.rw.line_starts) else len(self.src)
        raw = self.src[ls:line_end].encode("utf-8", "surrogatepass")[:col]
        return ls + len(raw.decode("utf-8", "surrogatepass"))

    def close_bracket(self, lb: int) -> int:
        """Offset just past the `]` closing the `[` at lb; -1 when the list
        holds a string (an f-string there would need the full rewrite)."""
        src, n = self.src, len(self.src)
        depth, i = 0, lb
        while i < n:
            c = src[i]
            if c == "#":
                while i < n and src[i] not in "\r\n":
                    i += 1
                continue
            if c in "'\"":
                return -1
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    return i + 1 if c == "]" else -1
            i += 1
        return -1

    # -- module -------------------------------------------------------------
    def module(self) -> Optional[ast.Module]:
        src = self.src
        if "\r" in src:  # line numbering by "\n" (as the scan records it) must match ast's
            return None
        aliases = _aliases_in(src)
        generics = sorted((m for r in _GENERIC_RES for m in r.finditer(src)), key=_match_start)
        if not aliases and not generics:
            return None
        rw = self.rw
        alias_want = {}  # name position -> `type` keyword position
        def_want = {}  # `def`/`class` keyword offset -> name
        for m in generics:
            if m.start() and (src[m.start() - 1].isalnum() or src[m.start() - 1] == "_"):
                continue  # inside a longer name: not the keyword (the parse decides)
            lb = m.start(2)
            rb = self.close_bracket(lb)
            if rb < 0 or not rw.blank(lb, rb):
                return None
            line = rw.pos(m.start())[0]  # no "\r" here: as the scan counts lines
            rw.generics.append((line, m.group(1), src[lb + 1 : rb - 1]))
            def_want[m.start()] = m.group(1)
        for m in aliases:
            kw = m.start(1)
            if m.group(3) == "[":
                rb = self.close_bracket(m.start(3))
                if rb < 0 or not rw.blank(m.start(3), rb):
                    return None
            rw.buf[kw : kw + 5] = list("if 1:")
            alias_want[rw.pos(m.start(2))] = rw.pos(kw)
        tree = ast.parse(rw.text(), self.filename)
        wanted = {(line, name): text for line, name, text in rw.generics}
        unwrapped: set = set()
        defs_found: set = set()
        self.lines = sorted({line for line, _ in alias_want.values()} | {line for line, _, _ in rw.generics})
        self.fix_body(tree.body, alias_want, unwrapped, wanted, def_want, defs_found)
        if len(unwrapped) != len(aliases) or len(defs_found) != len(def_want):
            return None  # a match that was no statement: in a string
        return self.splice_fstrings(tree)

    def fix_body(self, body: list, alias_want: dict, unwrapped: set, wanted: dict,
                 def_want: dict, defs_found: set) -> None:
        """`_Rewriter._aliases` and `_attach_type_params`, over statements only
        (no statement sits inside an expression) and only those whose lines
        hold a rewrite, counting what matched."""
        lines, bisect_left = self.lines, bisect.bisect_left

        def alias_of(stmt):
            if type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
                tgt = stmt.targets[0]
                return alias_want.get((tgt.lineno, tgt.col_offset))
            return None

        if alias_want:
            out = None
            for k, stmt in enumerate(body):
                if (type(stmt) is ast.If and not stmt.orelse and type(stmt.test) is ast.Constant
                        and stmt.test.value == 1 and stmt.body
                        and alias_of(stmt.body[0]) == (stmt.lineno, stmt.col_offset)):
                    if out is None:
                        out = body[:k]
                    out.extend(stmt.body)
                    unwrapped.add((stmt.lineno, stmt.col_offset))
                elif out is not None:
                    out.append(stmt)
            if out is not None:
                body[:] = out
        for stmt in body:
            k = bisect_left(lines, stmt.lineno)
            if k == len(lines) or lines[k] > stmt.end_lineno:
                continue  # no rewrite inside
            if alias_want:
                start = alias_of(stmt)
                if start is not None:
                    stmt.lineno, stmt.col_offset = start
            if isinstance(stmt, _SCOPES):
                text = wanted.get((stmt.lineno, stmt.name))
                if text is not None:
                    stmt.type_params = _type_params_of(text)
                    at = self.offset(stmt.lineno, stmt.col_offset)
                    if type(stmt) is ast.AsyncFunctionDef:
                        m = _ASYNC_DEF_RE.match(self.src, at)
                        at = m.end() - 3 if m else -1
                    if def_want.get(at) == stmt.name:
                        defs_found.add(at)
            for name in stmt._fields:
                value = getattr(stmt, name)
                if type(value) is list and value:
                    first = value[0]
                    if isinstance(first, ast.stmt):
                        self.fix_body(value, alias_want, unwrapped, wanted, def_want, defs_found)
                    elif isinstance(first, (ast.excepthandler, ast.match_case)):
                        for item in value:
                            self.fix_body(item.body, alias_want, unwrapped, wanted, def_want, defs_found)

    # -- f-strings ------------------------------------------------------------
    def splice_fstrings(self, tree: ast.AST) -> ast.AST:
        """Replace every outermost JoinedStr by the 3.13-layout one that
        `_Rewriter.build_joined` makes of its tokens."""
        pos = self.rw.pos
        marks = [pos(m.start()) for m in _FQUOTE_RE.finditer(self.src)]
        if not marks:
            return tree
        AST, JoinedStr, bisect_left = ast.AST, ast.JoinedStr, bisect.bisect_left

        def holds_mark(node) -> bool:
            end = getattr(node, "end_lineno", None)
            if end is None:
                return True
            start = (node.lineno, node.col_offset)
            if isinstance(node, _SCOPES) and node.decorator_list:  # decorators lie before a def
                first = node.decorator_list[0]
                start = min(start, (first.lineno, first.col_offset))
            k = bisect_left(marks, start)
            return k < len(marks) and marks[k] < (end, node.end_col_offset)

        todo = [tree]
        while todo:
            node = todo.pop()
            for name in node._fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for k, item in enumerate(value):
                        if isinstance(item, AST) and item._fields and holds_mark(item):
                            if type(item) is JoinedStr:
                                value[k] = self.rebuild(item)
                            else:
                                todo.append(item)
                elif isinstance(value, AST) and value._fields and holds_mark(value):
                    if type(value) is JoinedStr:
                        setattr(node, name, self.rebuild(value))
                    else:
                        todo.append(value)
        return tree

    def rebuild(self, node: ast.JoinedStr) -> ast.JoinedStr:
        src = self.src
        lo = self.offset(node.lineno, node.col_offset)
        hi = self.offset(node.end_lineno, node.end_col_offset)
        scanner = _Scanner(src)
        group = []
        i = lo
        while i < hi:
            c = src[i]
            if c in " \t\f\r\n":
                i += 1
            elif c == "#":
                while i < hi and src[i] not in "\r\n":
                    i += 1
            elif c == "\\" and src[i + 1 : i + 2] in ("\n", "\r"):
                i += 2
            else:
                m = _STRING_START_RE.match(src, i)
                if m is None or (m.group(1) or "").lower() not in _STR_PREFIXES:
                    raise _ScanError("not a string")
                end, fs = scanner.string(i, m.start(2))
                group.append(_Tok("STRING", i, end, src[i:end], fs))
                i = end
        if i != hi or not group or all(t.fstr is None for t in group):
            raise _ScanError("string group does not match the tree")
        return ast.copy_location(self.rw.build_joined(group), node)


class _FastRewriter(_Rewriter):
    """`_Rewriter` whose f-string fields are parsed through the fast path."""

    def parse_fragment(self, frag: str) -> ast.Module:
        try:
            tree = ast.parse(frag, self.filename)
        except (SyntaxError, ValueError):
            return _parse_rewritten(frag, self.filename)
        if "'" in frag or '"' in frag:  # nested strings: f-strings get the newer layout
            return _Fast(frag, self.filename).splice_fstrings(tree)
        return tree


def _fast_parse(source: str, filename: str) -> Optional[ast.Module]:
    """The tree `parse` returns for ``source``, through the fast path, or
    None when that path cannot vouch for it."""
    if _RUNNING >= (3, 12):
        return None
    try:
        return _Fast(source, filename).module()
    except Exception:  # anything unexpected: the full rewrite decides
        return None


# --------------------------------------------------------------------------
# public API


def find_newer_syntax(source: str) -> List[Construct]:
    """Uses of syntax newer than 3.11 found in ``source`` (empty if unreadable)."""
    rw = _Rewriter(source, "<unknown>")
    try:
        rw.scan()
    except Exception:
        return []
    return rw.constructs


def _unsupported(constructs: List[Construct], filename: str) -> UnsupportedSyntax:
    bad = next(c for c in constructs if not c.exact)
    needs = max(c.needs for c in constructs)
    return UnsupportedSyntax(bad.name, needs, bad.lineno, bad.col, bad.needs, filename)


def describe_newer_syntax(err: SyntaxError, source: str) -> Optional[UnsupportedSyntax]:
    """Name the newer construct that ``err`` (from the running Python) is about.

    Returns the construct whose text contains the error position, else the
    first one on or before the error line, else None (no newer syntax).
    """
    constructs = find_newer_syntax(source)
    if not constructs:
        return None
    line = err.lineno or 0
    chosen = None
    for c in constructs:
        end_line = c.lineno + source.count("\n", c.start, c.end)
        if c.lineno <= line <= end_line:
            chosen = c
            break
        if c.lineno <= line and chosen is None:
            chosen = c
    if chosen is None:
        return None
    needs = max(c.needs for c in constructs)
    return UnsupportedSyntax(
        chosen.name, needs, chosen.lineno, chosen.col, chosen.needs, err.filename or "<unknown>"
    )


def parse(source: str, filename: str = "<unknown>", rejected: Optional[SyntaxError] = None) -> ast.Module:
    """``ast.parse(source, filename)``, accepting syntax newer than the interpreter.

    See the module docstring for the rewrites and the broken-vs-newer rule.
    ``rejected``: the error ``ast.parse`` already raised for this very text
    (the caller tried it first), so it is not parsed natively twice.
    """
    if rejected is not None:
        original = rejected
    else:
        try:
            return ast.parse(source, filename)
        except SyntaxError as err:
            original = err
    tree = _fast_parse(source, filename)
    if tree is not None:
        return tree
    rw = _Rewriter(source, filename)
    try:
        rw.scan()
    except Exception:  # unreadable to the scanner: a broken file
        raise original from None
    if not rw.constructs:
        raise original
    try:
        tree = ast.parse(rw.text(), filename)
    except (SyntaxError, ValueError) as second:
        if hasattr(original, "add_note") and isinstance(second, SyntaxError):
            original.add_note(
                f"with newer syntax set aside the parser still fails: "
                f"{second.msg} (line {second.lineno}, column {second.offset})"
            )
        raise original from None
    if any(not c.exact for c in rw.constructs):
        # the lossy rewrite parsed: the newer interpreter would accept the file
        raise _unsupported(rw.constructs, filename) from None
    try:
        return rw.fix(tree)
    except Exception:  # a field or handler that does not parse: broken file
        raise original from None
