"""Account: change one's own password (required at first login outside demo mode)."""
import streamlit as st

from geo import auth
from ui.safe import md
from ui.session import acting_user, database, login, logout, t

db = database()
user = acting_user()
st.title(t("page_account"))
st.write(t("account_line", user=md(user.username), role=t(f"role_{user.role}"),
           area=md(user.area_code) if user.area_code else t("whole_province")))
if user.must_change_password:
    st.warning(t("must_change_password"))
with st.form("passwd"):
    old = st.text_input(t("old_password"), type="password")
    new = st.text_input(t("new_password"), type="password")
    again = st.text_input(t("repeat_password"), type="password")
    ok = st.form_submit_button(t("change_password"), type="primary")
if ok:
    if new != again:
        st.error(t("passwords_differ"))
    else:
        try:
            auth.change_password(db, user.username, new, actor=user, old_password=old)
            login(auth.get_user(db, user.username))
            st.success(t("password_changed"))
            st.rerun()
        except (auth.AuthError, auth.PermissionDenied) as e:
            st.error(md(e))
if st.button(t("logout")):
    logout()
    st.rerun()
