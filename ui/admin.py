"""Administration: user accounts and the audit log (admins only; the library refuses others)."""
import pandas as pd
import streamlit as st

from geo import audit, auth, numfmt, templates
from ui import grid
from ui.safe import md
from ui.session import acting_user, database, t

AUDIT_COLUMNS = {"id": "audit_id", "at": "audit_at", "username": "username", "action": "action",
                 "target_kind": "target_kind", "target_id": "audit_target", "before": "audit_before",
                 "after": "audit_after", "detail": "audit_detail"}


def audit_view(df: pd.DataFrame) -> pd.DataFrame:
    """The audit rows as shown: headers in the language, local dd/mm/yyyy times, empty
    cells empty (never "None")."""
    out = df.copy()
    if "at" in out.columns:
        out["at"] = out["at"].map(numfmt.fmt_datetime)
    out = out.astype(object).where(out.notna(), "")
    return out.rename(columns={c: t(k) for c, k in AUDIT_COLUMNS.items() if c in out.columns})

db = database()
user = acting_user()
st.title(t("page_admin"))
try:
    auth.require_admin(user)
except auth.PermissionDenied as e:
    st.error(md(e))
    st.stop()

tab_users, tab_audit = st.tabs([t("users"), t("audit_log")])

with tab_users:
    users = auth.list_users(db)
    grid.show(pd.DataFrame([{t("username"): u.username, t("role"): t(f"role_{u.role}"),
                                t("area"): u.area_code or "—", t("disabled"): u.disabled,
                                t("must_change_password_short"): u.must_change_password} for u in users]),
                 hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    with c1, st.form("add_user", clear_on_submit=True):
        st.subheader(t("add_user"))
        name = st.text_input(t("username"))
        role = st.selectbox(t("role"), auth.ROLES, format_func=lambda r: t(f"role_{r}"))
        area = st.text_input(t("officer_area"), help=t("officer_area_help"))
        pw = st.text_input(t("password"), type="password")
        must = st.checkbox(t("must_change_password_short"), value=True)
        if st.form_submit_button(t("add_user"), type="primary"):
            try:
                auth.create_user(db, name, pw, role, area.strip() or None, actor=user, must_change_password=must)
                st.success(t("saved"))
                st.rerun()
            except (auth.AuthError, auth.PermissionDenied) as e:
                st.error(md(e))
    with c2, st.form("manage_user"):
        st.subheader(t("manage_user"))
        who = st.selectbox(t("username"), [u.username for u in users] or [""])
        new_pw = st.text_input(t("new_password"), type="password")
        b1, b2, b3 = st.columns(3)
        reset = b1.form_submit_button(t("change_password"))
        disable = b2.form_submit_button(t("disable"))
        enable = b3.form_submit_button(t("enable"))
        try:
            if reset:
                auth.change_password(db, who, new_pw, actor=user)
                st.success(t("password_changed"))
            elif disable or enable:
                auth.set_disabled(db, who, bool(disable), actor=user)
                st.rerun()
        except (auth.AuthError, auth.PermissionDenied) as e:
            st.error(md(e))

with tab_audit:
    c1, c2, c3 = st.columns(3)
    who = c1.text_input(t("username"), key="audit_user").strip() or None
    action = c2.text_input(t("action"), key="audit_action").strip() or None
    kind = c3.text_input(t("target_kind"), key="audit_kind").strip() or None
    log_df = audit.entries(db, user=who, action=action, target_kind=kind, limit=5000, actor=user)
    st.caption(t("audit_readonly", n=len(log_df)))
    grid.show(audit_view(log_df), hide_index=True, width="stretch", key="audit_table")
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv"), templates.table_bytes(log_df, "csv"), "nhat_ky.csv", "text/csv")
    d2.download_button(t("download_xlsx"), templates.table_bytes(log_df, "xlsx", sheet="Nhật ký"), "nhat_ky.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
