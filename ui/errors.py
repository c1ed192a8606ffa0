"""Errors a page did not catch: logged on the server, said plainly to the user in their
language, never as Streamlit's trace box (with its English text and outside links)."""
from __future__ import annotations

import logging

import streamlit as st

log = logging.getLogger("antt")


def on_script_error(exc: BaseException) -> bool:
    from geo import auth
    from ui.session import t
    try:
        if isinstance(exc, (auth.PermissionDenied, auth.AuthError)):
            from ui.safe import md
            st.error(md(exc))
        else:
            log.error("unexpected error in a page", exc_info=exc)
            st.error(t("unexpected_error"), icon=":material/error:")
    except Exception:  # never let the error display itself fail into a trace
        log.exception("error while showing an error")
    return True  # Streamlit's own exception box is not shown
