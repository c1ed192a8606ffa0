"""The server: ``streamlit run serve.py`` serves the pages of app.py plus the session-cookie
routes (ui/cookie_routes.py), and shows any unexpected error in the user's language.

At server start the background warm-up (geo/warm.py: records, placements, map geometry) begins
on the database, so the first visitor after a restart does not wait for it; it runs again after
each write.  (``streamlit run app.py`` still works, without sessions that survive a new tab,
and warms up at the first page view.)
"""
import logging

import streamlit as st

from geo import store, warm
from ui.cookie_routes import ROUTES
from ui.errors import on_script_error

logging.basicConfig(level=logging.INFO)
if store.db_path().exists():      # a missing file becomes the demo database at the first page view
    warm.start(str(store.db_path()))

app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)
