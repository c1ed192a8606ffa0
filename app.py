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

from pages.session import lang, t  # noqa: E402  (after set_page_config)

pages = [
    st.Page("pages/map.py", title=t("page_map"), icon=":material/map:", url_path="map", default=True),
    st.Page("pages/about.py", title=t("page_about"), icon=":material/info:", url_path="about"),
]
nav = st.navigation(pages)

with st.sidebar:
    current = lang()
    choice = st.segmented_control(i18n.t("language", current), list(i18n.LANGS), default=current,
                                  format_func=lambda x: {"vi": "Tiếng Việt", "en": "English"}[x],
                                  key="lang_choice")
    if choice and choice != st.session_state.get("lang", current):
        st.session_state.lang = choice
        st.rerun()

nav.run()
