"""User-provided text made inert before a Streamlit element shows it.

Every Streamlit text element (``st.markdown``, ``caption``, ``info``/``warning``/
``error``/``success``, ``toast``, ``subheader``, ``title``, ``metric`` and widget
labels) renders Markdown, and Streamlit's own directives on top (``:red[…]``,
``:material/…:``, ``$…$``).  Text that comes from a user, a file or the database
(a boundary-set or area name, a file or layer name, a saved view's name, a record id,
an error message quoting any of them) goes through :func:`md` first: every ASCII
punctuation character is backslash-escaped (CommonMark allows exactly that), so it
shows as typed and can make no link, no image (no remote request), no heading and no
colour; line breaks become spaces so it cannot open a new block.  Escapes do not stop
GFM's *literal* autolinks (``http://…``, ``www.…``, ``name@host``: found in the text
after parsing), so a zero-width space (U+200B, invisible) is put after ``:`` of ``://``,
after ``www`` and after ``@``: the text reads the same and links nowhere.  Inside HTML
that the page writes itself (``unsafe_allow_html``) use :func:`html` instead.
"""
from __future__ import annotations

import html as _html
import re

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")   # every ASCII punctuation character
_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")
_AUTOLINK = re.compile(r"(:(?=//)|(?i:www)(?=\.)|@)")
ZWSP = "\u200b"


def md(text) -> str:
    """``text`` as literal Markdown: shown exactly as typed, never as a link, image or markup."""
    if text is None:
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(1) + ZWSP, _BREAKS.sub(" ", str(text)))
    return _PUNCT.sub(r"\\\1", text)


def html(text) -> str:
    """``text`` for HTML the page writes itself (quotes escaped too)."""
    return _html.escape("" if text is None else str(text), quote=True)


def error(e) -> str:
    """An exception's message (from geo/, in Vietnamese) for ``st.error``: it may quote a
    file name, a layer or a field of an uploaded file, so it is made inert too."""
    return md(str(e))
