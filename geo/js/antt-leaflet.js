/* What the ANTT maps share, in the browser map component (ui/mapview_frontend, served from
   static/vendor/antt/ by geo/assets.py) and in the folium maps (geo/maps.py, inlined):
   Leaflet's own texts in the page's language, and the folding legend that areas are
   fitted around.  Plain ES5, no dependency but Leaflet. */
(function (w) {
  "use strict";
  var A = w.anttLeaflet = w.anttLeaflet || {};
  A.words = A.words || {};

  function label(el, text) {
    if (el && text) { el.title = text; el.setAttribute("aria-label", text); }
  }

  // Leaflet's English (zoom buttons, layer switch, popup close, the "Leaflet" link) in the
  // page's language, for the maps made after this call; A.localize for one already made.
  A.texts = function (words) {
    A.words = words || {};
    var W = A.words;
    if (W.zoomIn) L.Control.Zoom.prototype.options.zoomInTitle = W.zoomIn;
    if (W.zoomOut) L.Control.Zoom.prototype.options.zoomOutTitle = W.zoomOut;
    L.Control.Attribution.prototype.options.prefix = false;   // no "Leaflet" link to an outside site
    if (!L.Control.Layers.prototype._anttTexts) {
      var layersLayout = L.Control.Layers.prototype._initLayout;
      L.Control.Layers.prototype._initLayout = function () {
        layersLayout.apply(this, arguments);
        label(this._layersLink, A.words.layers);
      };
      var popupLayout = L.Popup.prototype._initLayout;
      L.Popup.prototype._initLayout = function () {
        popupLayout.apply(this, arguments);
        var c = this._container && this._container.querySelector(".leaflet-popup-close-button");
        if (c && A.words.close) c.setAttribute("aria-label", A.words.close);
      };
      L.Control.Layers.prototype._anttTexts = true;
    }
  };

  A.localize = function (map, words) {
    A.texts(words || A.words);
    var W = A.words, z = map.zoomControl;
    if (z) { label(z._zoomInButton, W.zoomIn); label(z._zoomOutButton, W.zoomOut); }
    if (map.attributionControl) map.attributionControl.setPrefix(false);
  };

  // The folding legend: a title button (▾ / ▸) over the body; returns the control.
  // o: {position, className, title, html, collapsed}
  A.legend = function (map, o) {
    var c = L.control({position: o.position || "bottomright"});
    c.onAdd = function () {
      var d = L.DomUtil.create("div", o.className || "antt-box antt-legend");
      d.innerHTML = '<button type="button" class="antt-lt" aria-expanded="true"><span class="antt-ltt"></span>' +
        '<span class="antt-chev">▾</span></button><div class="antt-lb"></div>';
      d.querySelector(".antt-ltt").textContent = o.title || "";
      if (o.html) d.querySelector(".antt-lb").innerHTML = o.html;
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      d.querySelector(".antt-lt").addEventListener("click", function () {
        A.fold(d, !d.classList.contains("antt-collapsed"));
        if (o.onToggle) o.onToggle(d.classList.contains("antt-collapsed"));
      });
      return d;
    };
    c.addTo(map);
    if (o.collapsed) A.fold(c.getContainer(), true);
    return c;
  };

  A.fold = function (d, collapsed) {
    d.classList.toggle("antt-collapsed", !!collapsed);
    d.querySelector(".antt-lt").setAttribute("aria-expanded", collapsed ? "false" : "true");
    d.querySelector(".antt-chev").textContent = collapsed ? "▸" : "▾";
  };

  // Fit ``bounds`` with the areas kept out of the bottom-right legend's column or out of
  // its row, whichever leaves them bigger (``bottom``: a bottom-left control's height).
  A.fit = function (map, bounds, legendEl, bottom) {
    if (!bounds || !bounds.isValid()) return;
    var lg = legendEl ? legendEl.getBoundingClientRect() : {width: 0, height: 0};
    var wd = Math.ceil(lg.width) + 16, h = Math.ceil(lg.height) + 16, tl = bottom || 0;
    var a = {paddingTopLeft: [10, 10], paddingBottomRight: [wd, Math.max(10, tl)]};
    var c = {paddingTopLeft: [10, 10], paddingBottomRight: [10, Math.max(h, tl)]};
    var za = map.getBoundsZoom(bounds, false, L.point(10 + wd, 10 + Math.max(10, tl)));
    var zc = map.getBoundsZoom(bounds, false, L.point(20, 10 + Math.max(h, tl)));
    map.fitBounds(bounds, za >= zc ? a : c);
  };
  // A map in a Streamlit frame (streamlit_folium) as tall as the window below its top (at
  // least o.min pixels), again on every resize of the window; o.refit() after each change.
  A.fill = function (map, o) {
    var fe = null, pw = null;
    try { fe = w.frameElement; pw = w.parent; } catch (e) { return; }
    if (!fe || !pw || pw === w) return;
    var last = 0;
    function scroller(el) {
      for (var p = el.parentElement; p; p = p.parentElement) {
        var st = pw.getComputedStyle(p);
        if ((st.overflowY === "auto" || st.overflowY === "scroll") && p.scrollHeight > p.clientHeight) return p;
      }
      return null;
    }
    function size() {
      var sc = scroller(fe), off = sc ? sc.scrollTop : (pw.scrollY || 0);
      var top = fe.getBoundingClientRect().top + off;
      var h = Math.max(o.min || 380, Math.floor(pw.innerHeight - top - (o.reserve == null ? 16 : o.reserve)));
      if (Math.abs(h - last) < 2) return;
      last = h;
      map.getContainer().style.height = h + "px";
      pw.postMessage({isStreamlitMessage: true, type: "streamlit:setFrameHeight", height: h}, "*");
      map.invalidateSize();
      if (o.refit) o.refit();
    }
    size();
    setTimeout(size, 400);
    pw.addEventListener("resize", size);
  };
})(window);
