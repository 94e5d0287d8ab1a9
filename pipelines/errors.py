"""The one exception type users see: what went wrong, where, and how to fix it."""

from __future__ import annotations


class OkrlensError(Exception):
    """A user-facing error: the CLI and the dashboard print it as one paragraph, never a traceback."""

    def __init__(self, what: str, *, where: str = "", fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        """One paragraph: what was wrong, where, and how to fix it."""
        parts = [self.what.rstrip(".") + (f" ({self.where})" if self.where else "") + "."]
        if self.fix:
            fix = self.fix.rstrip(".")
            parts.append(fix[:1].upper() + fix[1:] + ".")
        return " ".join(parts)
