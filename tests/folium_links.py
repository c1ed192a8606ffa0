"""What ``streamlit_folium.st_folium`` would send the browser for a map: the JS and CSS
links it collects (reproduced from its code, so tests can prove no CDN link is among them,
including the d3 links it adds whenever a branca ColorMap is in the map)."""
from __future__ import annotations


def streamlit_folium_links(m) -> tuple[list[str], list[str]]:
    """``(js_links, css_links)`` that ``streamlit_folium.st_folium`` would send for map ``m``.

    Reproduces its walk over the element tree (``default_js``/``default_css``
    of every ``JSCSSMixin``, plus the d3 CDN links it adds whenever a branca
    ``ColorMap`` is anywhere in the map) without importing Streamlit.
    """
    import branca.colormap
    import folium.elements
    import folium.plugins

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.plugins.DualMap):
            yield from walk(fig.m1)
            yield from walk(fig.m2)
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        if hasattr(fig, "_children"):
            for child in fig._children.values():
                yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for elem in walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))
