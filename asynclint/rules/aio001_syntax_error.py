"""AIO001: the file could not be analysed (reported by the engine)."""
from ..diagnostics import Severity
from .base import Rule


class SyntaxErrorRule(Rule):
    code = "AIO001"
    name = "syntax-error"
    summary = "File cannot be read or parsed, so nothing in it was checked"
    message = "{reason}"
    severity = Severity.ERROR
    why = """
        asynclint analyses what Python's parser accepts. A file with a syntax
        error, undecodable bytes, or syntax newer than the running interpreter
        can support gets exactly one AIO001 finding at the parser's position,
        and no other findings: the other files are still checked. When the
        file is valid for a newer Python, the message names the construct and
        the version it needs; run asynclint under that version.
    """
    bad_example = """
        async def main(:
            await fetch()
    """
    good_example = """
        async def main():
            await fetch()
    """
    fix_notes = "There is no automatic fix: correct the syntax or encoding."
