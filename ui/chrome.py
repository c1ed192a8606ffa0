"""Streamlit's own texts in the page's language.

Streamlit's frontend draws its texts in English only (file uploader, select
placeholders, "Page not found", table and date-picker menus).  While the page is in
Vietnamese, a small script replaces those exact texts (the table is
``geo.i18n.STREAMLIT_VI``) in the page as they appear, and puts them back when the
user switches to English.  Texts of the app itself are never touched: they come
from ``geo.i18n`` already in the chosen language.
"""
from __future__ import annotations

import json

import streamlit as st

from geo import i18n

_SCRIPT = r"""<script>
(() => {
  const cfg = __CFG__;
  const w = window;
  cfg.re = cfg.patterns.map(([src, rep]) => [new RegExp(src), rep]);
  w.__anttI18nCfg = cfg;
  if (w.__anttI18n) { w.__anttI18n(); return; }
  const changed = new Map();          // node → original English text (put back in English)
  const attrs = ["placeholder", "title", "aria-label"];
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  function tr(text, el) {
    const c = w.__anttI18nCfg, k = text.trim();
    if (c.lang !== "vi" || !k) return null;
    let out = null;
    if (has(c.exact, k)) out = c.exact[k];
    else if (el && el.closest && el.closest('[data-baseweb="calendar"]') && has(c.calendar, k)) out = c.calendar[k];
    else {
      const m = k.match(/^(January|February|March|April|May|June|July|August|September|October|November|December)(\s+\d{4})?$/);
      if (m) out = "Tháng " + (c.months.indexOf(m[1]) + 1) + (m[2] || "");
      else for (const [re, rep] of c.re) if (re.test(k)) { out = k.replace(re, rep); break; }
    }
    return out === null ? null : text.replace(k, out);
  }
  function textNode(n) {
    const t = tr(n.nodeValue, n.parentElement);
    if (t !== null && t !== n.nodeValue) { if (!changed.has(n)) changed.set(n, n.nodeValue); n.nodeValue = t; }
  }
  function element(el) {
    for (const a of attrs) {
      const v = el.getAttribute && el.getAttribute(a);
      if (v) { const t = tr(v, el); if (t !== null && t !== v) {
        if (!changed.has(el)) changed.set(el, {});
        const o = changed.get(el); if (!(a in o)) o[a] = v; el.setAttribute(a, t); } }
    }
  }
  function scan(root) {
    if (root.nodeType === 3) return textNode(root);
    if (root.nodeType !== 1) return;
    if (["SCRIPT", "STYLE"].includes(root.tagName)) return;
    element(root);
    const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let n; while ((n = it.nextNode())) n.nodeType === 3 ? textNode(n) : element(n);
  }
  function restore() {
    for (const [n, o] of changed) {
      if (n.nodeType === 3) n.nodeValue = o; else for (const a in o) n.setAttribute(a, o[a]);
    }
    changed.clear();
  }
  w.__anttI18n = () => { if (w.__anttI18nCfg.lang === "vi") scan(document.body); else restore(); };
  new MutationObserver((muts) => {
    if (w.__anttI18nCfg.lang !== "vi") return;
    for (const m of muts) {
      if (m.type === "characterData") textNode(m.target);
      else if (m.type === "attributes") element(m.target);
      else m.addedNodes.forEach(scan);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: attrs});
  w.__anttI18n();
})();
</script>"""


def streamlit_texts(lang: str) -> None:
    """Draw the (invisible) script that puts Streamlit's own texts in ``lang`` (app.py, every run)."""
    cfg = {"lang": lang, "exact": i18n.STREAMLIT_VI, "calendar": i18n.STREAMLIT_VI_CALENDAR,
           "patterns": i18n.STREAMLIT_VI_PATTERNS, "months": list(i18n.MONTHS_EN)}
    st.html(_SCRIPT.replace("__CFG__", json.dumps(cfg, ensure_ascii=False).replace("</", "<\\/")),
            unsafe_allow_javascript=True)
