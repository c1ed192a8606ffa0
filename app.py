"""ANTT Atlas: entry point and navigation.  Run with ``streamlit run app.py``."""
from __future__ import annotations

import logging

import streamlit as st

from geo import assets, i18n

logging.basicConfig(level=logging.INFO)


def _favicon():
    """A shield drawn here: a Material or emoji page icon makes the browser fetch it from Google."""
    from PIL import Image, ImageDraw
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(img).polygon([(32, 4), (58, 14), (54, 40), (32, 60), (10, 40), (6, 14)], fill="#1f4e79")
    ImageDraw.Draw(img).polygon([(32, 14), (46, 20), (44, 36), (32, 48), (20, 36), (18, 20)], fill="#f2c14e")
    return img


st.set_page_config(page_title="ANTT Atlas", page_icon=_favicon(), layout="wide")


@st.cache_resource(show_spinner=False)
def _offline_assets() -> bool:
    """Leaflet and plugins served from ./static (installed by npm), never a CDN."""
    assets.install_static()
    assets.configure_folium()
    return True


_offline_assets()

from geo import store  # noqa: E402
from ui import chrome, filters, nav  # noqa: E402
from ui.safe import md  # noqa: E402
from ui.session import cookie_script, current_user, database, lang, logout, t  # noqa: E402  (after set_page_config)

db = database()
user = current_user(db)
cookie_script()   # after a login or logout: store or drop the session cookie
pages = [
    st.Page("ui/map.py", title=t("page_map"), icon=":material/map:", url_path="map", default=True),
    st.Page("ui/compstat.py", title=t("page_compstat"), icon=":material/compare_arrows:", url_path="compstat"),
    st.Page("ui/trends.py", title=t("page_trends"), icon=":material/show_chart:", url_path="trends"),
    st.Page("ui/coverage.py", title=t("page_coverage"), icon=":material/shield:", url_path="coverage"),
    st.Page("ui/hotspots.py", title=t("page_hotspots"), icon=":material/local_fire_department:",
            url_path="hotspots"),
    st.Page("ui/boundaries.py", title=t("page_boundaries"), icon=":material/layers:", url_path="boundaries"),
    st.Page("ui/meeting.py", title=t("page_meeting"), icon=":material/co_present:", url_path="meeting"),
    st.Page("ui/data.py", title=t("page_data"), icon=":material/database:", url_path="data"),
    st.Page("ui/about.py", title=t("page_about"), icon=":material/info:", url_path="about"),
    st.Page("ui/account.py", title=t("page_account"), icon=":material/person:", url_path="account"),
]
if user is not None and user.role == "viewer":  # leadership: nothing to upload or edit (geo refuses anyway)
    pages = [p for p in pages if p.url_path not in ("data", "boundaries")]
if user is None or user.is_admin:   # nobody logged in: a link to it opens the login form, then the page
    pages.append(st.Page("ui/admin.py", title=t("page_admin"), icon=":material/admin_panel_settings:",
                         url_path="admin"))
if user is not None and user.must_change_password and not store.is_demo(db):
    pages = [p for p in pages if p.url_path == "account"]
# a typed or pasted path: the page it names, or the home page with a note (never Streamlit's modal)
moved = nav.redirect(pages)
if moved is not None:
    st.session_state["_nav_note"] = moved          # said on the home page until the user goes elsewhere
navigation = st.navigation(pages, position="sidebar" if user is not None else "hidden")

with st.sidebar:
    if user is not None:
        st.caption(f":material/person: {md(user.username)} · {t('role_' + user.role)}"
                   + (f" · {md(user.area_code)}" if user.area_code else ""))
        if st.button(t("logout"), key="logout_btn"):
            logout()
            st.rerun()
    current = lang()
    choice = st.segmented_control(i18n.t("language", current), list(i18n.LANGS), default=current,
                                  format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x],
                                  key="lang_choice")
    if choice and choice != st.session_state.get("lang", current):
        st.session_state.lang = choice
        st.rerun()
    chrome.streamlit_texts(current)   # Streamlit's own texts (uploader, placeholders, dialogs) in the language

# Every page starts with ui.session.acting_user(): with nobody logged in it shows the login
# form in place of the page, and the URL (page and filters of a shared link) stays as it is,
# so the requested view opens right after login.
filters.keep_state()
note = st.session_state.get("_nav_note")
if note is not None and getattr(navigation, "_default", False):
    st.info(t(note[0], path=md(note[1][:80])), icon=":material/info:")
elif note is not None:
    del st.session_state["_nav_note"]
navigation.run()
