"""ui/safe.md (issue 12, item 5): user text is inert in Streamlit Markdown."""
import re

import pytest

from ui.safe import ZWSP, html, md

HOSTILE = [
    "![x](http://127.0.0.1:9/a.png)", "[Đăng nhập](http://127.0.0.1:9/login)", '<img src="http://127.0.0.1:9/b">',
    "http://127.0.0.1:9/auto", "www.example.com", "ai@example.com", ":red[đỏ]", ":material/home:", "$x^2$",
    "# tiêu đề", "1. một", "- gạch", "    thụt lề", "> trích", "**đậm** _nghiêng_ ~~gạch~~", "`mã`", "a\n\n# b\r\n---", "&lt;b&gt;", "| a | b |", "\\*",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_is_escaped_and_no_line_break_survives(text):
    out = md(text)
    assert "\n" not in out and "\r" not in out
    unescaped = re.sub(r"\\.", "", out)   # drop every backslash escape
    assert not re.search(r"[\\`*_{}\[\]<>|~$&!]", unescaped), out
    assert not re.search(r":[A-Za-z_]", unescaped), out
    assert not re.match(r"\s*([#+=>-]|\d+[.)])", unescaped), out
    # shown as typed (line breaks as spaces, zero-width spaces invisible)
    shown = re.sub(r"\\(.)", r"\1", out).replace(ZWSP, "").replace("\u00a0", " ")
    assert shown == re.sub(r"[\r\n]+", " ", text)


@pytest.mark.parametrize("text", ["http://x.y/z", "https://x", "ftp://x", "WWW.x.vn", "a@b.vn"])
def test_literal_autolinks_are_broken(text):
    out = md(text).replace("\\", "")
    assert not re.search(r"https?://|ftp://|www\.|@[A-Za-z]", out, re.I)


def test_plain_vietnamese_is_unchanged():
    assert md("Xã Đồng Tâm 2") == "Xã Đồng Tâm 2"
    assert md(None) == "" and html(None) == ""
    assert html('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
