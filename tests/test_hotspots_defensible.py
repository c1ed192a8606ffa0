"""Issue 11 item 6: hot spots you can defend.

Before the fix a village with 2 incidents was a 99 % hot spot (Gi* sums its busy neighbours)
and 1,500 villages were tested at once with no correction for multiple testing."""
import datetime as dt

import numpy as np
import pytest
from scipy.stats import norm

from geo import hotspots, maps
from geo.periods import Period

from test_hotspots import strip_db

MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# a quiet row of villages, then a village with 2 incidents in the middle of busy ones
COUNTS = [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 40, 2, 40, 0, 1, 0]
SMALL = chr(65 + 11)          # "L", the 2-incident village


@pytest.fixture(scope="module")
def strip(tmp_path_factory):
    return strip_db(tmp_path_factory.mktemp("hs") / "strip.db", COUNTS)


def test_few_incidents_are_never_significant(strip):
    db, sv = strip
    plain = hotspots.hot_spots(db, sv, MARCH, min_count=0, correction="none").set_index("code")
    assert plain.loc[SMALL, "class"] == "hot_99"          # the finding: 2 incidents, "99 %"
    h = hotspots.hot_spots(db, sv, MARCH).set_index("code")   # defaults: minimum count, FDR
    assert h.attrs["min_count"] == hotspots.MIN_COUNT and h.attrs["correction"] == "fdr"
    assert h.loc[SMALL, "class"] == "ns" and not h.loc[SMALL, "tested"] and h.loc[SMALL, "confidence"] == 0
    assert h.loc[SMALL, "z"] == plain.loc[SMALL, "z"]        # its Gi* is still computed and shown
    assert h["tested"].sum() == h.attrs["tested"] == 2
    assert (h.loc[~h["tested"], "class"] == "ns").all()
    # the minimum is configurable: at 2 the village is tested again
    low = hotspots.hot_spots(db, sv, MARCH, min_count=2, correction="none").set_index("code")
    assert low.loc[SMALL, "tested"] and low.loc[SMALL, "class"] == "hot_99"


def _bh_cutoff(p, alpha):
    """Benjamini–Hochberg by hand: the largest p_(k) with p_(k) ≤ k·α/n is significant."""
    p = np.sort(p)
    n = len(p)
    ok = np.nonzero(p <= np.arange(1, n + 1) * alpha / n)[0]
    return p[ok[-1]] if len(ok) else -1.0


def test_fdr_is_benjamini_hochberg():
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(0, 1, 1500), rng.normal(6, 0.3, 20)])   # 1,500 null areas, 20 real
    tested = np.ones(len(z), dtype=bool)
    conf, cut = hotspots.significance(z, tested, "fdr")
    plain, _ = hotspots.significance(z, tested, "none")
    p = 2 * norm.sf(np.abs(z))
    for c, alpha in ((99, 0.01), (95, 0.05), (90, 0.10)):
        sig = conf >= c
        assert set(np.nonzero(sig)[0]) == set(np.nonzero(p <= _bh_cutoff(p, alpha))[0])
    # without a correction about 10 % of the 1,500 null areas come out "90 %"; with FDR few do
    assert (plain[:1500] >= 90).sum() > 100
    assert (conf[:1500] >= 90).sum() < 15 and (conf[1500:] >= 90).all()
    assert cut[99] < cut[95] < cut[90] < 0.10


def test_untested_areas_do_not_count_in_the_correction():
    z = np.array([3.0, 3.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    few, _ = hotspots.significance(z, np.array([True, True] + [False] * 6), "fdr")
    many, _ = hotspots.significance(z, np.ones(8, dtype=bool), "fdr")
    assert few[:2].tolist() == [99, 99] and (few[2:] == 0).all()
    assert many[:2].tolist() == [95, 95]       # more tests, stricter cut-off
    with pytest.raises(ValueError):
        hotspots.significance(z, np.ones(8, dtype=bool), "bonferroni-ish")


def test_labels_are_drawn_at_every_zoom():
    m = maps.base_map((106.0, 21.0, 106.2, 21.2))
    assert maps.add_labels(m, None, name="x") is None
    import pandas as pd
    maps.add_labels(m, pd.DataFrame({"lat": [21.1], "lon": [106.1], "label": ["Thôn <Hạnh Phúc>"]}), name="Tên")
    html = m.get_root().render()
    # the label is HTML-escaped (then JSON-escaped by folium): no markup gets through
    assert "antt-spot-label" in html and "\\u0026lt;H\\u1ea1nh Ph\\u00fac\\u0026gt;" in html


def test_hotspots_page_labels_the_hot_spots(demo_path, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from browser import copy_db
    from conftest import ROOT, logged_in
    from geo import areas, store
    db_path = copy_db(demo_path, tmp_path)
    monkeypatch.setenv("ANTT_DB", str(db_path))
    monkeypatch.chdir(ROOT)
    seen = []
    real = maps.add_labels
    monkeypatch.setattr(maps, "add_labels", lambda m, df, **kw: seen.append(df.copy()) or real(m, df, **kw))
    at = logged_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    at.switch_page("ui/hotspots.py")
    at.query_params.update({"period": "custom", "from": "2026-01-01", "to": "2026-06-30"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    db = store.open_db(db_path, create=False)
    hs = hotspots.hot_spots(db, areas.current_set(db, "village").id,
                            Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    hot = hs[(hs["confidence"] > 0) & (hs["z"] > 0)]
    assert len(hot) > 0 and seen and sorted(seen[-1]["label"]) == sorted(hot["name"])
    assert seen[-1][["lat", "lon"]].notna().all().all()
    assert any("FDR" in i.value for i in at.info)
