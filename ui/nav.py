"""Paths a user types or pastes: a shared link opens the page it names, an old or unknown
path opens the home page with a note in the language, never Streamlit's "Page not found"
dialog.

Streamlit serves the default page at "/" only (its ``url_path`` "map" is then unknown),
and shows a modal for any path that names no page of ``st.navigation``.  :func:`redirect`
runs in app.py before ``st.navigation``: it reads the path the browser asked for and
turns it into one of the pages offered to this user (see :func:`route`).
"""
from __future__ import annotations

import unicodedata

HOME = ""
# other names of the pages: the map's own url_path, Vietnamese page names, old guesses
ALIASES = {
    "map": HOME, "home": HOME, "index": HOME, "ban-do": HOME, "bando": HOME, "trang-chu": HOME,
    "so-sanh": "compstat", "so-sanh-ky": "compstat", "xu-huong": "trends", "trend": "trends",
    "do-phu": "coverage", "diem-nong": "hotspots", "hot-spots": "hotspots", "ranh-gioi": "boundaries",
    "hop": "meeting", "hop-giao-ban": "meeting", "trinh-chieu": "meeting", "du-lieu": "data",
    "gioi-thieu": "about", "tai-khoan": "account", "quan-tri": "admin",
}


def _slug(path: str) -> str:
    s = unicodedata.normalize("NFD", str(path).strip().strip("/").split("/")[0].lower())
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").replace("đ", "d")
    return s.replace("_", "-").replace(" ", "-").removesuffix(".py")


def route(requested: str, offered: set[str], every: set[str]) -> tuple[str, str | None]:
    """(the url_path to open, a note key or None) for the path ``requested``.

    ``offered``: url_paths of the pages this user is given (the home page is "");
    ``every``: every page of the app.  A page named by its url_path or an alias opens;
    a page of the app not offered to this user opens the home page with
    ``nav_not_allowed``; anything else the home page with ``nav_unknown``."""
    name = _slug(requested)
    if not name:
        return HOME, None
    target = name if name in every or name in offered else ALIASES.get(name)
    if target is None:
        return HOME, "nav_unknown"
    if target == HOME or target in offered:
        return target, None
    return HOME, "nav_not_allowed"


def redirect(pages) -> tuple[str, str] | None:
    """Point this run at the page ``route`` gives for the browser's path (before
    ``st.navigation``).  Returns (note key, the path asked for) when the user gets a note."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    pm = getattr(ctx, "pages_manager", None)
    if pm is None or pm.intended_page_script_hash or not pm.intended_page_name:
        return None          # a click in the app (a page hash) or the home page
    asked = pm.intended_page_name
    offered = {"" if getattr(p, "_default", False) else p.url_path for p in pages}
    target, note = route(asked, offered, set(ALIASES.values()) | offered | {p.url_path for p in pages})
    if target != asked:
        pm.set_script_intent("", target)     # "" = the default page when target is the home page
    return (note, asked) if note else None
