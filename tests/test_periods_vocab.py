import datetime as dt

import pytest

from geo import i18n, periods, vocab
from geo.periods import Period

D = dt.date


def test_previous_period_has_the_same_length_just_before():
    p = Period(D(2026, 3, 1), D(2026, 3, 31))
    assert p.days == 31
    assert p.previous() == Period(D(2026, 1, 29), D(2026, 2, 28))


def test_last_year_same_dates_and_leap_day():
    assert Period(D(2026, 3, 1), D(2026, 3, 31)).last_year() == Period(D(2025, 3, 1), D(2025, 3, 31))
    assert Period(D(2024, 2, 29), D(2024, 2, 29)).last_year() == Period(D(2023, 2, 28), D(2023, 2, 28))


def test_presets():
    today = D(2026, 11, 23)
    assert periods.preset("last_7", today) == Period(D(2026, 11, 17), today)
    assert periods.preset("last_28", today).days == 28
    assert periods.preset("this_month", today) == Period(D(2026, 11, 1), today)
    assert periods.preset("last_month", today) == Period(D(2026, 10, 1), D(2026, 10, 31))
    assert periods.preset("this_quarter", today) == Period(D(2026, 10, 1), today)
    assert periods.preset("last_quarter", today) == Period(D(2026, 7, 1), D(2026, 9, 30))
    assert periods.preset("ytd", today) == Period(D(2026, 1, 1), today)
    assert periods.preset("last_month", D(2026, 1, 15)) == Period(D(2025, 12, 1), D(2025, 12, 31))
    with pytest.raises(ValueError):
        periods.preset("nope", today)


def test_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(D(2026, 2, 1), D(2026, 1, 1))


def test_vocabularies_hold_the_contract_codes():
    assert vocab.MODEL_TYPES.codes == ["to_tu_quan_antt", "doi_dan_phong_pccc", "to_tu_quan_nha_tro",
                                       "camera_an_ninh", "nhom_zalo_an_ninh", "nguoi_co_uy_tin",
                                       "kdc_an_toan_pccc", "xa_sach_ma_tuy", "khac"]
    assert vocab.CATEGORIES.codes == ["hinh_su", "ma_tuy", "te_nan_xa_hoi", "trat_tu_giao_thong",
                                      "chay_no", "mau_thuan_hoa_giai", "tin_bao", "khac"]
    assert vocab.MODEL_TYPES.label("to_tu_quan_antt") == "Tổ nhân dân tự quản ANTT"
    assert vocab.CATEGORIES.label("ma_tuy", "en") == "Drugs"


def test_unknown_code_shows_as_khac():
    assert vocab.CATEGORIES.label("something_new") == "Khác"
    assert vocab.MODEL_TYPES.label(None, "en") == "Other"
    assert vocab.CATEGORIES.normalize("zzz") == "khac"


def test_every_label_has_both_languages():
    for key, (vi, en) in i18n.LABELS.items():
        assert vi.strip() and en.strip(), key
    assert i18n.t("page_map") == "Bản đồ" and i18n.t("page_map", "en") == "Map"
    assert i18n.t("no_such_key") == "no_such_key"


def test_no_label_key_is_written_twice():
    """A repeated key in the LABELS literal silently replaces the first one."""
    import ast
    import collections
    import inspect
    tree = ast.parse(inspect.getsource(i18n))
    keys = [k.value for node in ast.walk(tree) if isinstance(node, ast.AnnAssign)
            and getattr(node.target, "id", "") == "LABELS" for k in node.value.keys]
    assert [k for k, n in collections.Counter(keys).items() if n > 1] == []
