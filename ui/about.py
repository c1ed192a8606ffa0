"""About: what the app is, the boundary sets, and the definitions of the figures."""
import pandas as pd
import streamlit as st

from geo import areas, stats, vocab
from ui import grid
from ui.session import acting_user, database, lang, show_demo_banner, t

db = database()
user = acting_user(db)
st.title(t("app_title"))
st.caption(t("app_subtitle"))
show_demo_banner(db)
st.write(t("about_text"))

st.subheader(t("boundary_sets"))
rows = [{"ID": s.id, t("name"): s.name, t("level"): vocab.LEVELS.label(s.level, lang()),
         t("from"): s.valid_from, t("to"): s.valid_to or "—", "#": s.areas}
        for s in areas.list_sets(db)]
grid.show(pd.DataFrame(rows), dates=[t("from"), t("to")])

st.subheader(t("definitions"))
st.markdown(stats.DEFINITIONS[lang()])
