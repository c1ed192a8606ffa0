"""The meeting brief: one PDF, A4 landscape, in Vietnamese (or English), to print and hand out.

Contents: title, area and period (with the periods compared), the key figures,
the map (:mod:`geo.export.png`), the CompStat tables (areas most worse and most
better, against the previous period and the same period last year), the
monthly trend charts, the coverage summary, and an appendix with every
figure of every area; the time it was generated on every page.

Every figure comes from :func:`geo.stats.area_stats`, :mod:`geo.compstat`,
:mod:`geo.trends` and :mod:`geo.coverage` — nothing is computed here but sums
of their columns.  The text font is DejaVu Sans (shipped inside matplotlib,
full Vietnamese coverage), embedded in the PDF (subset), so every diacritic
prints on any machine; charts are drawn with the same font.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from .. import compstat, coverage, stats, trends, vocab
from ..periods import Period, shift_year
from ..stats import Z_REAL, format_number
from . import (FONT_FAMILY, View, area_title, column_label, font_path, generated_text, is_demo, level_of, metric_label,
               selection_text, t)
from .png import figure_png, map_figure

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
TOP_N = 5                  # rows of each CompStat table
LOW_COVERAGE_ROWS = 10     # areas listed in the coverage summary
VUNG_TRANG_LISTED = 30     # "vùng trắng" villages named
APPENDIX_MAX_ROWS = 400    # more areas than this: the appendix lists the most incidents first
TREND_MONTHS = 12
TREND_HEIGHT_IN = 2.7
WORSE = "#b2182b"
BETTER = "#2166ac"
HEAD_BG = "#1f4e79"


@dataclass
class BriefData:
    """Everything the brief shows, read once (the tests compare it with the PDF)."""
    view: View
    level: str
    area_title: str
    stats: pd.DataFrame
    comp: pd.DataFrame
    totals: dict
    worse: pd.DataFrame
    better: pd.DataFrame
    worse_ly: pd.DataFrame
    better_ly: pd.DataFrame
    incidents_month: pd.DataFrame
    incidents_month_ly: pd.DataFrame
    programme_month: pd.DataFrame
    vung_trang: pd.DataFrame
    model_mix: pd.DataFrame
    in_view: dict
    generated_at: dt.datetime
    demo: bool = False
    extra: dict = field(default_factory=dict)


def trend_window(period: Period, months: int = TREND_MONTHS) -> Period:
    """The months shown in the trend charts: ``months`` calendar months up to the period's
    end (or the whole period when it is longer)."""
    end = period.end
    y, m = end.year, end.month - (months - 1)
    while m <= 0:
        m += 12
        y -= 1
    start = min(dt.date(y, m, 1), period.start)
    return Period(start, end)


@stats.consistent
def collect(db, view: View, *, generated_at: dt.datetime | None = None) -> BriefData:
    """Read every figure of the brief from the library, on one snapshot of the records.

    The areas are those of :meth:`View.stats` (the view's area; for an officer, only
    their own), and every other figure is limited to the same areas."""
    cats = list(view.categories) or None
    mts = list(view.model_types) or None
    df = view.stats(db)
    codes = set(df["code"])
    comp = compstat.from_stats(df)
    win = trend_window(view.period)
    area_list = sorted(codes) if view.scoped(db) else ([view.area] if view.area else None)
    inc = trends.incident_series(db, view.set_id, win.start, win.end, freq="month", categories=cats,
                                 areas=area_list, by=None, user=view.user)
    win_ly = Period(shift_year(win.start, -1), shift_year(win.end, -1))
    inc_ly = trends.incident_series(db, view.set_id, win_ly.start, win_ly.end, freq="month", categories=cats,
                                    areas=area_list, by=None, user=view.user)
    prog = trends.programme_series(db, view.set_id, win.start, win.end, freq="month", model_types=mts,
                                   areas=area_list, user=view.user)
    # one coverage definition: the view's model types for the headline, the vùng trắng and the mix
    vt = coverage.vung_trang(db, view.set_id, view.period.end, area=view.area, model_types=mts)
    vt = vt[vt["area_code"].isin(codes)].reset_index(drop=True)
    mix = coverage.model_mix(db, view.set_id, view.period.end, area=view.area)
    mix = mix[mix["code"].isin(codes)].reset_index(drop=True)
    if mts:
        mix = mix[["code", "name", *[m for m in vocab.MODEL_TYPES.codes if m in mts]]].assign(
            total=lambda d: d[[m for m in vocab.MODEL_TYPES.codes if m in mts]].sum(axis=1))
    iv = coverage.in_view_counts(db, view.set_id, view.period, cats)
    iv = iv[iv.index.isin(df["code"])]
    with_point, seen = int(iv["with_point"].sum()), int(iv["in_view"].sum())
    return BriefData(
        view=view, level=level_of(db, view.set_id), area_title=area_title(db, view), stats=df, comp=comp,
        totals=compstat.totals(comp),
        worse=compstat.top_changes(comp, TOP_N, "worse"), better=compstat.top_changes(comp, TOP_N, "better"),
        worse_ly=compstat.top_changes(comp, TOP_N, "worse", against="last_year"),
        better_ly=compstat.top_changes(comp, TOP_N, "better", against="last_year"),
        incidents_month=inc, incidents_month_ly=inc_ly, programme_month=prog, vung_trang=vt, model_mix=mix,
        in_view={"with_point": with_point, "in_view": seen,
                 "pct": (100.0 * seen / with_point) if with_point else None},
        generated_at=generated_at or dt.datetime.now(), demo=is_demo(db))


# --------------------------------------------------------------------------- charts

def trend_figure(data: BriefData, *, width_in: float = 10.5, height_in: float = 3.3, dpi: int = 200):
    """Incidents per month (bars; the same months a year earlier as a line), and groups,
    cameras and coverage at the end of each month."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    L = data.view.lang
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    ax1 = fig.add_axes((0.05, 0.3, 0.42, 0.6))
    ax2 = fig.add_axes((0.56, 0.3, 0.37, 0.6))
    inc = data.incidents_month["incidents"].to_numpy()
    ly = data.incidents_month_ly["incidents"].to_numpy()
    idx = data.incidents_month.index
    x = np.arange(len(idx))
    labels = [f"{d:%m/%y}" for d in idx]
    partial = set(data.incidents_month.attrs.get("partial") or [])
    colors = ["#f4a582" if d in partial else "#d6604d" for d in idx]
    ax1.bar(x, inc, color=colors, width=0.7, label=t("mt_chart_incidents", L), zorder=2)
    if len(ly) == len(x):
        ax1.plot(x, ly, color="#444444", marker="o", markersize=2.5, linewidth=1.2,
                 label=t("mt_chart_last_year", L), zorder=3)
    reform = data.incidents_month.attrs.get("reform")
    if reform is not None and reform in set(idx):
        rx = list(idx).index(reform) - 0.5
        ax1.axvline(rx, color="#777777", linestyle="--", linewidth=0.9)
        ax1.text(rx, ax1.get_ylim()[1], " " + t("mt_chart_reform", L), fontsize=6.5, va="top", color="#555555",
                 family=FONT_FAMILY)
    ax1.set_title(t("mt_chart_incidents_title", L), fontsize=9, family=FONT_FAMILY, loc="left")
    _months_axis(ax1, x, labels)
    ax1.legend(loc="upper left", bbox_to_anchor=(0, -0.13), ncol=2, frameon=False,
               prop={"family": FONT_FAMILY, "size": 6.5})
    if partial:
        fig.text(0.05, 0.015, t("mt_chart_partial", L), fontsize=6.5, color="#555555", family=FONT_FAMILY)

    prog = data.programme_month
    ax2.plot(x, prog["groups_active"].to_numpy(), color="#1f77b4", marker="o", markersize=2.5, linewidth=1.2,
             label=t("groups_active", L))
    ax2.plot(x, prog["cameras_active"].to_numpy(), color="#17becf", marker="s", markersize=2.5, linewidth=1.2,
             label=t("cameras_active", L))
    ax3 = ax2.twinx()
    ax3.plot(x, prog["coverage_pct"].to_numpy(dtype=float), color="#2ca02c", linestyle="--", linewidth=1.2,
             label=t("coverage_pct", L))
    ax3.set_ylim(0, 105)
    ax3.tick_params(labelsize=6.5)
    ax3.set_ylabel("%", fontsize=7)
    ax2.set_title(t("mt_chart_programme_title", L), fontsize=9, family=FONT_FAMILY, loc="left")
    _months_axis(ax2, x, labels)
    h2, l2 = ax2.get_legend_handles_labels()
    h3, l3 = ax3.get_legend_handles_labels()
    ax2.legend(h2 + h3, l2 + l3, loc="upper left", bbox_to_anchor=(0, -0.13), ncol=3, frameon=False,
               prop={"family": FONT_FAMILY, "size": 6.5})
    ax2.set_ylim(bottom=0)
    ax3.yaxis.set_major_formatter(_vn_ticks())
    return fig


def _vn_ticks():
    from matplotlib.ticker import FuncFormatter
    return FuncFormatter(lambda v, _pos: format_number(v, 0 if float(v).is_integer() else 1))


def _months_axis(ax, x, labels):
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=6.5, rotation=0 if len(x) <= 13 else 90, family=FONT_FAMILY)
    if len(x) > 24:
        for i, lab in enumerate(ax.get_xticklabels()):
            lab.set_visible(i % 3 == 0)
    ax.tick_params(axis="y", labelsize=6.5)
    ax.yaxis.set_major_formatter(_vn_ticks())
    ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
    ax.set_ylim(bottom=0)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)


# --------------------------------------------------------------------------- the PDF

_registered = False


def register_fonts() -> None:
    """DejaVu Sans (regular, bold) from matplotlib's data, for reportlab (embedded as subsets)."""
    global _registered
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path(bold=True))))
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT, bold, italic, FONT_BOLD if bold else FONT)
    _registered = True


def _styles():
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22,
                                textColor=HexColor(HEAD_BG)),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=13, textColor=HexColor("#444444")),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=4,
                             spaceAfter=3, textColor=HexColor(HEAD_BG)),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=12, spaceAfter=2),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "kpi_v": ParagraphStyle("kpi_v", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18, alignment=1),
        "kpi_l": ParagraphStyle("kpi_l", parent=base, fontSize=7.5, leading=9.5, alignment=1,
                                textColor=HexColor("#444444")),
    }


def _p(text, style):
    from reportlab.platypus import Paragraph
    return Paragraph(escape(str(text)), style)


def _num(v, decimals: int = 0) -> str:
    return format_number(v, decimals)


def _signed(v, decimals: int = 0) -> str:
    s = format_number(v, decimals)
    if s != "–" and v is not None and not (isinstance(v, float) and np.isnan(v)) and float(v) > 0:
        s = "+" + s
    return s


def _table(rows, col_widths, *, header_rows: int = 1, font_size: float = 7.5, align_right_from: int = 1,
           extra_styles=()):
    from reportlab.lib.colors import HexColor, white
    from reportlab.platypus import Table, TableStyle
    tbl = Table(rows, colWidths=col_widths, repeatRows=header_rows)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size),
        ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, font_size),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HexColor(HEAD_BG)),
        ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), white),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (align_right_from, header_rows), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ("GRID", (0, 0), (-1, -1), 0.25, HexColor("#b0b7bf")),
        ("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [white, HexColor("#f2f5f8")]),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    tbl.setStyle(TableStyle(style + list(extra_styles)))
    return tbl


def _head(text, st):
    """A header cell that may wrap."""
    from reportlab.lib.colors import white
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph
    s = ParagraphStyle("hc", parent=st["cell"], fontName=FONT_BOLD, textColor=white, alignment=1)
    return Paragraph(escape(text).replace("/", "/ "), s)


def _kpis(data: BriefData, st, width):
    from reportlab.lib.colors import HexColor
    L = data.view.lang
    tot = data.totals
    df = data.stats
    villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
    cov = (100.0 * covered / villages) if villages else None
    items = [
        (_num(tot["incidents"]), t("total_incidents", L)),
        (_num(tot["incidents_prev"]), t("incidents_prev", L)),
        ((_signed(tot["change"]), f"{_signed(tot['change_pct'], 1)} %"), t("mt_change_vs_prev", L)),
        (_num(tot["incidents_last_year"]), t("incidents_last_year", L)),
        ((_signed(tot["change_ly"]), f"{_signed(tot['change_ly_pct'], 1)} %"), t("mt_change_vs_ly", L)),
        (_num(int(df["groups_active"].sum())), t("groups_active", L)),
        (f"{_num(cov, 1)} %", t("coverage_pct", L).replace(" (%)", "")),
        (_num(int(df["cameras_active"].sum())), t("cameras_active", L)),
    ]
    def value(v):
        if isinstance(v, tuple):   # a change: the number, and its % in smaller type
            from reportlab.platypus import Paragraph
            return Paragraph(f'{escape(v[0])}<br/><font size="9">{escape(v[1])}</font>', st["kpi_v"])
        return _p(v, st["kpi_v"])
    cells = [[value(v) for v, _ in items], [_p(lab, st["kpi_l"]) for _, lab in items]]
    tbl = _table(cells, [width / len(items)] * len(items), header_rows=0, align_right_from=99,
                 extra_styles=[("GRID", (0, 0), (-1, -1), 0.25, HexColor("#ffffff")),
                               ("BACKGROUND", (0, 0), (-1, -1), HexColor("#eef3f8")),
                               ("ROWBACKGROUNDS", (0, 0), (-1, -1), [HexColor("#eef3f8")]),
                               ("BOX", (0, 0), (-1, -1), 0.6, HexColor(HEAD_BG))])
    return tbl


def _comp_table(df: pd.DataFrame, st, width, *, against: str, L: str, which: str):
    """A CompStat table (top areas) against the previous period or last year."""
    from reportlab.lib.colors import HexColor
    sfx = "" if against == "prev" else "_ly"
    base_col = "incidents_prev" if against == "prev" else "incidents_last_year"
    head = [t("name", L), t("incidents", L), t(base_col, L), t("change", L), "%", "z"]
    rows = [[_head(h, st) for h in head]]
    styles = []
    color = HexColor(WORSE if which == "worse" else BETTER)
    for i, r in enumerate(df.itertuples(index=False), start=1):
        d = r._asdict()
        rows.append([_p(d["name"], st["cell"]), _num(d["incidents"]), _num(d[base_col]),
                     _signed(d[f"change{sfx}"]), _signed(d[f"change{sfx}_pct"], 1), _signed(d[f"z{sfx}"], 2)])
        if d[f"real{sfx}"]:
            styles += [("TEXTCOLOR", (3, i), (5, i), color), ("FONT", (3, i), (5, i), FONT_BOLD, 7.5)]
    if len(rows) == 1:
        rows.append([_p(t("mt_none", L), st["cell"]), "", "", "", "", ""])
    w = width
    return _table(rows, [w * 0.32, w * 0.12, w * 0.15, w * 0.15, w * 0.13, w * 0.13], extra_styles=styles)


def _appendix_rows(data: BriefData):
    df = data.stats
    if len(df) > APPENDIX_MAX_ROWS:
        df = df.sort_values(["incidents", "code"], ascending=[False, True]).head(APPENDIX_MAX_ROWS)
    return df


APPENDIX_COLUMNS = (("code", 0), ("name", None), ("incidents", 0), ("incidents_prev", 0),
                    ("incidents_last_year", 0), ("change", 0), ("change_pct", 1), ("z", 2),
                    ("groups_active", 0), ("villages", 0), ("villages_covered", 0), ("coverage_pct", 1),
                    ("cameras_active", 0), ("camera_area_pct", 2), ("incidents_in_camera_view_pct", 1))


def cell_text(column: str, value) -> str:
    """How the brief writes a figure of :data:`geo.stats.STAT_FIELDS` (Vietnamese number format)."""
    dec = dict(APPENDIX_COLUMNS).get(column)
    if dec is None:
        return str(value)
    if column in ("change", "change_pct", "z"):
        return _signed(value, dec)
    return _num(value, dec)


def brief_pdf(db, view: View, *, generated_at: dt.datetime | None = None, title: str | None = None,
              data: BriefData | None = None) -> bytes:
    """The meeting brief of ``view`` as PDF bytes (A4 landscape, fonts embedded)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (CondPageBreak, Image, KeepTogether, PageBreak, SimpleDocTemplate, Spacer,
                                    Table, TableStyle)
    register_fonts()
    data = data or collect(db, view, generated_at=generated_at)
    L = view.lang
    st = _styles()
    page_w, page_h = landscape(A4)
    margin = 12 * mm
    width = page_w - 2 * margin - 12      # the frame's width (6 pt padding each side)
    gen = generated_text(L, data.generated_at)
    heading = title or t("mt_brief_title", L)
    level_word = t(f"level_{data.level}", L) if data.level in ("commune", "village") else data.level
    p = view.period

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(HexColor("#555555"))
        left = f"ANTT Atlas · {heading} · {data.area_title} · {p}"
        canvas.drawString(margin, 7 * mm, left[:150])
        canvas.drawRightString(page_w - margin, 7 * mm, f"{gen} · {t('mt_page', L)} {doc.page}")
        if data.demo:
            canvas.setFillColor(HexColor("#a05a00"))
            canvas.drawString(margin, page_h - 7 * mm, t("demo_banner", L))
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=margin, rightMargin=margin,
                            topMargin=10 * mm, bottomMargin=12 * mm, title=f"{heading} — {data.area_title} — {p}",
                            author="ANTT Atlas", subject=t("app_subtitle", L), creator="ANTT Atlas",
                            initialFontName=FONT, initialFontSize=9)
    story = []
    # --- page 1: title, what and when, key figures, map
    story.append(_p(heading, st["title"]))
    story.append(_p(t("app_subtitle", L), st["subtitle"]))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(f"{t('area', L)}: {data.area_title}  ·  {t('level', L)}: {level_word}", st["h3"]))
    story.append(_p(f"{t('period', L)}: {p}  ({t('mt_compared_with', L)} {t('incidents_prev', L).lower()} "
                    f"{p.previous()}; {t('incidents_last_year', L).lower()} {p.last_year()})", st["base"]))
    story.append(_p(selection_text(view), st["base"]))
    story.append(Spacer(1, 2.5 * mm))
    story.append(_kpis(data, st, width))
    story.append(Spacer(1, 2.5 * mm))
    map_w_mm, map_h_mm = width / mm, 128
    fig = map_figure(db, view, width=int(map_w_mm / 25.4 * 200), height=int(map_h_mm / 25.4 * 200), dpi=200,
                     df=data.stats, title=metric_label(view.metric, L), subtitle=f"{data.area_title} · {p}",
                     generated_at=data.generated_at, footer=False)
    story.append(Image(io.BytesIO(figure_png(fig)), width=map_w_mm * mm, height=map_h_mm * mm))

    # --- CompStat
    story.append(PageBreak())
    story.append(_p(t("mt_compstat_title", L), st["h2"]))
    story.append(_p(t("mt_compstat_note", L, z=format_number(Z_REAL, 0)), st["small"]))
    half = (width - 8 * mm) / 2
    for against, lbl in (("prev", t("mt_vs_prev_period", L, period=str(p.previous()))),
                         ("last_year", t("mt_vs_same_period_ly", L, period=str(p.last_year())))):
        worse = data.worse if against == "prev" else data.worse_ly
        better = data.better if against == "prev" else data.better_ly
        pair = Table([[_p(f"{t('mt_worse', L)} — {lbl}", st["h3"]), _p(f"{t('mt_better', L)} — {lbl}", st["h3"])],
                      [_comp_table(worse, st, half, against=against, L=L, which="worse"),
                       _comp_table(better, st, half, against=against, L=L, which="better")]],
                     colWidths=[half + 4 * mm, half + 4 * mm])
        pair.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm)]))
        story.append(KeepTogether([pair, Spacer(1, 3 * mm)]))
    tot = data.totals
    story.append(_p(t("mt_totals_line", L, cur=_num(tot["incidents"]), prev=_num(tot["incidents_prev"]),
                      change=_signed(tot["change"]), pct=_signed(tot["change_pct"], 1), z=_signed(tot["z"], 2),
                      ly=_num(tot["incidents_last_year"]), change_ly=_signed(tot["change_ly"]),
                      pct_ly=_signed(tot["change_ly_pct"], 1)), st["base"]))
    story.append(Spacer(1, 3 * mm))

    # --- trends
    story.append(CondPageBreak((TREND_HEIGHT_IN * 25.4 + 9) * mm))
    win = data.incidents_month.attrs
    story.append(_p(t("mt_trend_title", L, start=f"{win['start']:%m/%Y}", end=f"{win['end']:%d/%m/%Y}"), st["h2"]))
    tf = trend_figure(data, width_in=width / mm / 25.4, height_in=TREND_HEIGHT_IN)
    story.append(Image(io.BytesIO(figure_png(tf)), width=width, height=TREND_HEIGHT_IN * 25.4 * mm))

    # --- coverage summary
    story.append(PageBreak())
    story.append(_p(t("mt_coverage_title", L, day=f"{p.end:%d/%m/%Y}"), st["h2"]))
    df = data.stats
    villages, covered = int(df["villages"].sum()), int(df["villages_covered"].sum())
    iv = data.in_view
    summary = [
        [t("villages", L), _num(villages)],
        [t("villages_covered", L), _num(covered)],
        [t("coverage_pct", L), _num(100.0 * covered / villages, 1) if villages else "–"],
        [t("mt_vung_trang_count", L), _num(len(data.vung_trang))],
        [t("groups_active", L), _num(int(df["groups_active"].sum()))],
        [t("cameras_active", L), _num(int(df["cameras_active"].sum()))],
        [t("mt_in_view_line", L), f"{_num(iv['in_view'])} / {_num(iv['with_point'])} "
                                  f"({_num(iv['pct'], 1)} %)"],
    ]
    left = _table([[_head(t("mt_indicator", L), st), _head(t("mt_value", L), st)], *summary],
                  [half * 0.7, half * 0.3])
    mix = data.model_mix
    mix_rows = [[_head(t("model_types", L), st), _head(t("groups_active", L), st)]]
    for code in vocab.MODEL_TYPES.codes:
        n = int(mix[code].sum()) if code in mix.columns else 0
        if n:
            mix_rows.append([_p(vocab.MODEL_TYPES.label(code, L), st["cell"]), _num(n)])
    if len(mix_rows) == 1:
        mix_rows.append([_p(t("mt_none", L), st["cell"]), ""])
    right = _table(mix_rows, [half * 0.7, half * 0.3])
    pair = Table([[left, right]], colWidths=[half + 4 * mm, half + 4 * mm])
    pair.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(pair)
    story.append(Spacer(1, 3 * mm))
    low = df.sort_values(["coverage_pct", "code"], na_position="last").head(LOW_COVERAGE_ROWS)
    story.append(_p(t("mt_low_coverage", L, n=len(low)), st["h3"]))
    cols = ["name", "villages", "villages_covered", "coverage_pct", "cameras_active", "camera_area_pct",
            "incidents_in_camera_view_pct"]
    rows = [[_head(column_label(c, L), st) for c in cols]]
    for r in low.to_dict("records"):
        rows.append([_p(r["name"], st["cell"]), *[cell_text(c, r[c]) for c in cols[1:]]])
    story.append(_table(rows, [width * 0.25] + [width * 0.125] * 6))
    story.append(Spacer(1, 3 * mm))
    vt = data.vung_trang
    story.append(_p(t("mt_vung_trang_title", L, n=_num(len(vt))), st["h3"]))
    if len(vt):
        names = [f"{r['name']} ({r['area_name']})"
                 if isinstance(r["area_name"], str) and r["area_name"] and r["area_code"] != r["code"]
                 else str(r["name"]) for r in vt.head(VUNG_TRANG_LISTED).to_dict("records")]
        more = len(vt) - len(names)
        text = "; ".join(names) + (f"; … (+{_num(more)})" if more > 0 else "")
        story.append(_p(text, st["base"]))
    else:
        story.append(_p(t("mt_none", L), st["base"]))

    # --- appendix: every figure of every area
    story.append(PageBreak())
    app = _appendix_rows(data)
    story.append(_p(t("mt_appendix_title", L), st["h2"]))
    if len(app) < len(data.stats):
        story.append(_p(t("mt_appendix_cut", L, n=_num(len(app)), total=_num(len(data.stats))), st["small"]))
    head = [_head(column_label(c, L) if c not in ("incidents_in_camera_view_pct", "camera_area_pct") else
                  t(f"mt_short_{c}", L), st) for c, _ in APPENDIX_COLUMNS]
    rows = [head]
    for r in app.to_dict("records"):
        rows.append([r["code"], _p(r["name"], st["cell"]), *[cell_text(c, r[c]) for c, _ in APPENDIX_COLUMNS[2:]]])
    ws = [0.07, 0.15] + [0.78 / 13] * 13
    story.append(_table(rows, [width * w for w in ws], align_right_from=2, font_size=7))
    story.append(Spacer(1, 2 * mm))
    story.append(_p(t("mt_appendix_note", L), st["small"]))

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()
