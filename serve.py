"""The server: ``streamlit run serve.py`` serves the pages of app.py plus the session-cookie
routes (ui/cookie_routes.py), and shows any unexpected error in the user's language.

(``streamlit run app.py`` still works, without sessions that survive a new tab.)
"""
import streamlit as st

from ui.cookie_routes import ROUTES
from ui.errors import on_script_error

app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)
