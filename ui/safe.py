r"""User-provided text made inert before a Streamlit element shows it.

Every Streamlit text element (``st.markdown``, ``caption``, ``info``/``warning``/
``error``/``success``, ``toast``, ``subheader``, ``title``, ``metric`` and widget
labels) renders Markdown, and Streamlit's own directives on top (``:red[…]``,
``:material/…:``, ``$…$``).  Text that comes from a user, a file or the database
(a boundary-set or area name, a file or layer name, a saved view's name, a record id,
an error message quoting any of them) goes through :func:`md` first: every character
that can start inline markup (``\ ` * _ { } [ ] < > | ~ $ & !``, and ``:`` before a letter,
which would open one of Streamlit's directives such as ``:red[…]``) is backslash-escaped,
and so is whatever would open a block at its start (``#``, ``+``, ``-``, ``=``, ``1.``,
leading spaces), so it shows as typed and can make no link, no image (no remote
request), no heading, no HTML and no colour (``:red[…]`` needs its ``[``); line
breaks become spaces so it cannot open a new block further on.  Escapes do not stop
GFM's *literal* autolinks (``http://…``, ``www.…``, ``name@host``: found in the text
after parsing), so a zero-width space (U+200B, invisible) is put after ``:`` of ``://``,
after ``www`` and after ``@``: the text reads the same and links nowhere.  Inside HTML
that the page writes itself (``unsafe_allow_html``) use :func:`html` instead.
"""
from __future__ import annotations

import html as _html
import re

_INLINE = re.compile(r"([\\`*_{}\[\]<>|~$&!])")   # what can start inline markup, HTML or an entity
_BLOCK_START = re.compile(r"^([#+=>-]|\d{1,9}(?=[.)]))")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")
_AUTOLINK = re.compile(r"(:(?=//)|(?i:www)(?=\.)|@)")
_DIRECTIVE = re.compile(r":(?=[A-Za-z_])")   # Streamlit's :red[…] / :name directives
ZWSP = "\u200b"


def md(text) -> str:
    """``text`` as literal Markdown: shown exactly as typed, never as a link, image or markup."""
    if text is None:
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(1) + ZWSP, _BREAKS.sub(" ", str(text)))
    text = _INLINE.sub(r"\\\1", text)
    text = _DIRECTIVE.sub(r"\\:", text)
    stripped = text.lstrip(" \t")
    text = "\u00a0" * (len(text) - len(stripped)) + stripped   # no indented code block
    m = _BLOCK_START.match(text)
    if m:  # a heading, list, quote or setext underline at the start: escape its marker
        text = "\\" + text if not m.group(1).isdigit() else m.group(1) + "\\" + text[len(m.group(1)):]
    return text


def html(text) -> str:
    """``text`` for HTML the page writes itself (quotes escaped too)."""
    return _html.escape("" if text is None else str(text), quote=True)


def error(e) -> str:
    """An exception's message (from geo/, in Vietnamese) for ``st.error``: it may quote a
    file name, a layer or a field of an uploaded file, so it is made inert too."""
    return md(str(e))
