"""Login: every page needs a user (their role and area decide what they see)."""
import streamlit as st

from geo import auth, demo, store
from pages.session import database, login, t

db = database()
st.title(t("app_title"))
st.caption(t("app_subtitle"))
reason = st.session_state.pop("logout_reason", None)
if reason == "idle":
    st.info(t("logged_out_idle", minutes=auth.idle_timeout_minutes()))

with st.form("login"):
    username = st.text_input(t("username"), key="login_user")
    password = st.text_input(t("password"), type="password", key="login_password")
    submitted = st.form_submit_button(t("login"), type="primary")
if submitted:
    try:
        login(auth.authenticate(db, username, password))
        st.rerun()
    except auth.AuthError as e:
        st.error(str(e))
if store.is_demo(db):
    st.caption(t("demo_login_hint", user=demo.DEMO_ADMIN, password=demo.DEMO_PASSWORD))
