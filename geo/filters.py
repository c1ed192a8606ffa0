"""The filter state shared by every page, and its URL form.

A page's filters are read from the URL query (so a link reproduces the view),
validated here against the database, and written back.  Pure functions: the
Streamlit widgets live in ``ui/filters.py``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from . import areas, periods, vocab
from .periods import Period

LAYERS = ("groups", "cameras", "heat")
SCHEMES = ("quantiles", "equal_interval", "natural_breaks")
DEFAULT_METRIC = "incidents"
LEVELS = ("commune", "village")
DEFAULT_PRESET = "last_28"


@dataclass(frozen=True)
class Filters:
    level: str = "commune"
    set_id: int | None = None
    area: str | None = None              # a commune or village code, None = whole province
    preset: str = DEFAULT_PRESET
    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()     # empty = all
    model_types: tuple[str, ...] = ()    # empty = all
    layers: tuple[str, ...] = ()
    metric: str = DEFAULT_METRIC
    scheme: str = "quantiles"
    lang: str = "vi"
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def to_query(self) -> dict[str, str]:
        """The URL query for this state (only what differs from the defaults)."""
        q: dict[str, str] = {"level": self.level}
        if self.set_id is not None:
            q["set"] = str(self.set_id)
        if self.area:
            q["area"] = self.area
        q["period"] = self.preset
        if self.preset == "custom":
            q["from"] = self.start.isoformat()
            q["to"] = self.end.isoformat()
        if self.categories:
            q["cat"] = ",".join(self.categories)
        if self.model_types:
            q["mt"] = ",".join(self.model_types)
        if self.layers:
            q["layers"] = ",".join(self.layers)
        if self.metric != DEFAULT_METRIC:
            q["metric"] = self.metric
        if self.scheme != "quantiles":
            q["scheme"] = self.scheme
        if self.lang != "vi":
            q["lang"] = self.lang
        return q


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return [v.strip() for v in str(value).split(",") if v.strip()]


def from_query(query: dict, db, today: dt.date | None = None) -> Filters:
    """Filters from a URL query, every value checked; unusable values fall back to
    defaults and are reported in ``warnings`` (never an error page)."""
    today = today or dt.date.today()
    warn: list[str] = []
    get = lambda k: (query.get(k)[-1] if isinstance(query.get(k), list) else query.get(k))  # noqa: E731

    level = get("level") or "commune"
    if level not in LEVELS:
        warn.append(f"level={level}")
        level = "commune"
    sets = areas.list_sets(db, level)
    set_id = None
    raw_set = get("set")
    if raw_set:
        try:
            set_id = int(raw_set)
            if set_id not in {s.id for s in sets}:
                raise ValueError
        except ValueError:
            warn.append(f"set={raw_set}")
            set_id = None
    if set_id is None:
        cur = areas.current_set(db, level)
        set_id = cur.id if cur else None

    preset = get("period") or DEFAULT_PRESET
    start = end = None
    if preset == "custom":
        try:
            start, end = periods.parse_date(get("from")), periods.parse_date(get("to"))
            Period(start, end)
        except (TypeError, ValueError):
            warn.append("from/to")
            preset, start, end = DEFAULT_PRESET, None, None
    elif preset not in periods.PRESETS:
        warn.append(f"period={preset}")
        preset = DEFAULT_PRESET
    if start is None:
        p = periods.preset(preset, today)
        start, end = p.start, p.end

    cats = [c for c in _split(query.get("cat")) if c in vocab.CATEGORIES]
    mts = [m for m in _split(query.get("mt")) if m in vocab.MODEL_TYPES]
    layers = [x for x in _split(query.get("layers")) if x in LAYERS]
    lang = get("lang") if get("lang") in ("vi", "en") else "vi"
    from .metrics import METRICS
    metric = get("metric") or DEFAULT_METRIC
    if metric not in METRICS:
        warn.append(f"metric={metric}")
        metric = DEFAULT_METRIC
    scheme = get("scheme") or "quantiles"
    if scheme not in SCHEMES:
        warn.append(f"scheme={scheme}")
        scheme = "quantiles"

    area = get("area") or None
    if area and set_id is not None and area not in area_choices(db, set_id):
        warn.append(f"area={area}")
        area = None
    return Filters(level=level, set_id=set_id, area=area, preset=preset, start=start, end=end,
                   categories=tuple(cats), model_types=tuple(mts), layers=tuple(layers), metric=metric,
                   scheme=scheme, lang=lang, warnings=tuple(warn))


def area_choices(db, set_id: int) -> dict[str, str]:
    """Areas a user may pick as the filter for a set: the communes above or of it,
    and its own villages; code → display name ("Xã Tân Hòa")."""
    s = areas.get_set(db, set_id)
    out: dict[str, str] = {}
    chain = [s]
    while chain[-1].parent_set_id is not None:
        chain.append(areas.get_set(db, chain[-1].parent_set_id))
    for st in chain:
        if st.level in ("commune", "village", "district"):
            tab = areas.area_table(db, st.id)
            for code, name, unit in zip(tab["code"], tab["name"], tab["unit_type"]):
                out[code] = display_name(name, unit)
    return out


def display_name(name: str, unit_type: str | None, lang: str = "vi") -> str:
    """ "Xã Tân Hòa": the unit type label before the name (when known)."""
    if unit_type and unit_type in vocab.UNIT_TYPES and unit_type != "khac":
        return f"{vocab.UNIT_TYPES.label(unit_type, 'vi')} {name}"
    return name


def with_(f: Filters, **changes) -> Filters:
    return replace(f, **changes)
