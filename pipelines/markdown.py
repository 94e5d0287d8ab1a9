"""User text in Markdown: shown exactly as written, never as a link, image, heading or HTML.

Below the service layer, so every module that writes Markdown (pages, the brief) uses this one
rule.
"""

from __future__ import annotations

import re

# The characters that let text become something else in Streamlit's Markdown: emphasis (* _ ~),
# code (`), links and images ([ ] !), HTML (< >), headings (#), math ($) and escapes (\).
# Newlines are folded, so block syntax (lists, tables, quotes) can only start the text.
_MARKDOWN_SPECIAL = frozenset("\\`*_~[]!<>#$")
# Streamlit's directives (:red[text], :material/icon:, :smile:) start with a colon and a letter.
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")
_BLOCK_MARK = re.compile(r"^(\s*)([-+>|=])")
_ORDERED_MARK = re.compile(r"^(\s*\d+)([.)])")


def markdown_text(text: object) -> str:
    """text that Markdown shows exactly as written: no link, image, heading, HTML or icon.

    Example:
        >>> markdown_text("![x](http://evil/) **hi** :red[x]")
        '\\\\!\\\\[x\\\\](http://evil/) \\\\*\\\\*hi\\\\*\\\\* \\\\:red\\\\[x\\\\]'
        >>> markdown_text("1. first - then 2: done")
        '1\\\\. first - then 2: done'
    """
    line = " ".join(str(text).split())  # a newline could start a heading, list or quote
    line = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in line)
    line = _DIRECTIVE.sub(r"\\:", line)
    line = _BLOCK_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _ORDERED_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
