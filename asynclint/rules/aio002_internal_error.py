"""AIO002: a rule crashed on this file (reported by the engine)."""
from ..diagnostics import Severity
from .base import Rule


class InternalErrorRule(Rule):
    code = "AIO002"
    name = "internal-error"
    summary = "A rule failed on this file; the other rules and files were still checked"
    message = "{reason}"
    severity = Severity.ERROR
    why = """
        An exception inside one rule is a bug in asynclint, not in your code.
        It is reported here (rule, file, line) instead of stopping the run;
        that rule is skipped for the rest of the file and everything else is
        still checked. Please report it with the file that triggers it.
    """
    fix_notes = "Nothing to fix in your code; update asynclint or ignore AIO002 for that file."
