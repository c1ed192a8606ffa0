/* ANTT map component: a Leaflet map that keeps its shapes and restyles them.
 *
 * Python (ui/mapview.py, data from geo/mapdata.py) sends "blobs" once -- the geometry
 * of a boundary set, point layers, timeline frames -- and on every filter change only
 * the per-area classes, value texts and the legend.  The component value says which blobs
 * this frame holds ({have: [keys]}, set whenever that changes, so a re-created frame gets
 * them again); a click on an area sets {clicked: code, seq: n}.
 *
 * Every text from Python is escaped here (esc) before it is shown, except the legend
 * HTML, which geo.maps.legend_html escapes on the server.
 */
(function () {
  "use strict";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }

  function post(type, extra) {
    var m = {isStreamlitMessage: true, type: type};
    for (var k in extra) m[k] = extra[k];
    window.parent.postMessage(m, "*");
  }

  var out = {clicked: null, seq: 0, have: null};
  function sendValue() {
    post("streamlit:setComponentValue", {value: JSON.parse(JSON.stringify(out)), dataType: "json"});
  }

  var S = {
    blobs: {}, order: [], map: null, opts: {}, geomKey: null, geom: null, polys: [], group: null,
    labels: null, shown: {}, labelShown: {}, values: null, valuesKey: null, fitKey: null, userMoved: false,
    layers: {}, layerKeys: [], control: null, legend: null, legendBody: null, timeline: null, tlKey: null,
    tlFrame: -1, tlTimer: null, tlControl: null, height: 0, renders: 0, frameTimes: []
  };
  window.anttMap = S;   // for tests and the browser benchmark

  function keepBlob(b) {
    if (S.blobs[b.key]) return;
    S.blobs[b.key] = b;
    S.order.push(b.key);
    while (S.order.length > 16) {           // keep the newest; a dropped one is asked for again
      var old = S.order.shift();
      if (old !== S.geomKey) delete S.blobs[old];
      else S.order.push(old);
      if (S.order.length <= 16) break;
    }
  }

  // ------------------------------------------------------------------ size

  function scroller(el) {
    for (var p = el.parentElement; p; p = p.parentElement) {
      var st = window.parent.getComputedStyle(p);
      if ((st.overflowY === "auto" || st.overflowY === "scroll") && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  }

  function wantedHeight() {
    var o = S.opts;
    if (o.height) return o.height;
    var h = o.minHeight || 380;
    try {
      var fe = window.frameElement, pw = window.parent;
      if (o.group) fe.setAttribute("data-antt-group", o.group);
      var sc = scroller(fe), off = sc ? sc.scrollTop : (pw.scrollY || 0);
      var top = fe.getBoundingClientRect().top + off;
      if (o.group) {
        var all = pw.document.querySelectorAll('iframe[data-antt-group="' + o.group + '"]');
        for (var i = 0; i < all.length; i++) top = Math.min(top, all[i].getBoundingClientRect().top + off);
      }
      var rows = o.rows || 1;
      var avail = (pw.innerHeight - top - (o.reserve == null ? 12 : o.reserve) - (rows - 1) * (o.gap || 0)) / rows;
      h = Math.max(h, Math.floor(avail));
    } catch (e) { /* not reachable: keep the minimum */ }
    return h;
  }

  function setHeight() {
    var h = wantedHeight();
    if (Math.abs(h - S.height) < 2) return;
    S.height = h;
    document.getElementById("map").style.height = h + "px";
    post("streamlit:setFrameHeight", {height: h});
    if (S.map) {
      S.map.invalidateSize();
      if (!S.userMoved) fit();
    }
  }

  // ------------------------------------------------------------------ map

  function ensureMap() {
    if (S.map) return;
    anttLeaflet.texts((S.opts.words || {}).leaflet);   // Leaflet's own texts in the language (geo/js)
    var map = S.map = L.map("map", {zoomSnap: 0.25, zoomDelta: 0.5, maxZoom: 19, minZoom: 3,
                                    attributionControl: !!S.opts.tiles, preferCanvas: false});
    if (S.opts.tiles) L.tileLayer(S.opts.tiles, {maxZoom: 19, attribution: esc(S.opts.tilesAttr || "")}).addTo(map);
    map.setView([16, 106], 6);
    L.control.scale({imperial: false, maxWidth: 140}).addTo(map);
    S.group = L.featureGroup().addTo(map);
    S.labels = L.layerGroup().addTo(map);
    S.legend = anttLeaflet.legend(map, {position: "bottomright", collapsed: S.opts.legendCollapsed});
    if (S.opts.big) document.body.classList.add("antt-big");
    map.on("moveend", updateLabels);
    map.on("dragstart zoomstart", function (e) { if (!S.fitting) S.userMoved = true; });
  }

  function decode(g, scale) {
    return g.map(function (rings) {
      return rings.map(function (r) {
        var x = 0, y = 0, pts = new Array(r.length / 2);
        for (var i = 0, j = 0; i < r.length; i += 2, j++) { x += r[i]; y += r[i + 1]; pts[j] = [y / scale, x / scale]; }
        return pts;
      });
    });
  }

  function buildGeometry(geom) {
    S.group.clearLayers();
    S.labels.clearLayers();
    S.labelShown = {};
    S.shown = {};
    S.polys = [];
    S.geom = geom;
    S.geomKey = geom.key;
    S.valuesKey = null;
    S.fitKey = null;
    var scale = Math.pow(10, geom.precision), weight = geom.codes.length < 400 ? 0.8 : 0.5;
    S.weight = weight;
    for (var i = 0; i < geom.codes.length; i++) {
      (function (i) {
        var p = L.polygon(decode(geom.g[i], scale), {color: "#55585c", weight: weight, opacity: 0.9,
                                                     fillColor: "#cccccc", fillOpacity: 0.78});
        p.bindTooltip(function () { return tip(i); }, {sticky: true, className: "antt-tip"});
        p.on("mouseover", function (e) { e.target.setStyle({weight: weight + 1.6, color: "#1a1a1a"}); e.target.bringToFront(); });
        p.on("mouseout", function (e) { e.target.setStyle({weight: weight, color: "#55585c"}); });
        p.on("click", function () { out.clicked = geom.codes[i]; out.seq += 1; sendValue(); });
        p._anttK = null;
        S.polys.push(p);
      })(i);
    }
  }

  function current() {          // the classes and texts on screen: a timeline frame or the values
    if (S.timeline && S.tlFrame >= 0) {
      return {k: S.timeline.k[S.tlFrame], v: S.timeline.v[S.tlFrame], colors: S.timeline.colors,
              nodata: S.timeline.nodata};
    }
    return S.values;
  }

  function tip(i) {
    var V = S.values, c = current();
    if (!V) return "";
    var h = "<b>" + esc(S.geom.names[i]) + "</b>";
    if (S.timeline && S.tlFrame >= 0) h += " · " + esc(S.timeline.labels[S.tlFrame]);
    h += "<br>" + esc(V.metric) + ": " + (c.v[i] == null ? "<i>" + esc(V.nodataLabel) + "</i>" : "<b>" + esc(c.v[i]) + "</b>");
    if (!(S.timeline && S.tlFrame >= 0)) {
      for (var j = 0; j < V.fields.length; j++) {
        var x = V.f[j][i];
        if (x != null && x !== "") h += "<br>" + esc(V.fields[j]) + ": " + esc(x);
      }
    }
    return h;
  }

  function restyle() {
    var c = current();
    if (!c) return;
    var t0 = performance.now();
    for (var i = 0; i < S.polys.length; i++) {
      var k = c.k[i], p = S.polys[i];
      if (k === -2) {
        if (S.shown[i]) { S.group.removeLayer(p); delete S.shown[i]; }
        continue;
      }
      if (!S.shown[i]) { S.group.addLayer(p); S.shown[i] = true; p._anttK = null; }
      if (p._anttK !== k || p._anttC !== c.colors) {
        p.setStyle({fillColor: k < 0 ? c.nodata : c.colors[k], fillOpacity: k < 0 ? 0.55 : 0.78});
        p._anttK = k;
        p._anttC = c.colors;
      }
    }
    S.lastRestyleMs = performance.now() - t0;
  }

  function shownBounds() {
    var b = null;
    for (var i in S.shown) {
      var pb = S.polys[i].getBounds();
      b = b ? b.extend(pb) : L.latLngBounds(pb.getSouthWest(), pb.getNorthEast());
    }
    for (var k in S.layers) {   // communes with no village map are part of the view too
      var lb = S.blobs[k] && S.blobs[k].kind === "nomap" ? S.layers[k].getBounds() : null;
      if (lb && lb.isValid()) b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    }
    return b;
  }

  function fit() {
    if (!S.map) return;
    var b = shownBounds();
    if (!b || !b.isValid()) return;
    var tl = 0;
    if (S.tlControl) tl = Math.ceil(S.tlControl.getContainer().getBoundingClientRect().height) + 16;
    S.fitting = true;
    anttLeaflet.fit(S.map, b, S.legend.getContainer(), tl);   // areas kept clear of the legend
    S.fitting = false;
    S.userMoved = false;
  }

  function updateLabels() {
    if (!S.geom || !S.map) return;
    var z = S.map.getZoom(), b = S.map.getBounds().pad(0.1), want = {}, n = 0, key, geom = S.geom;
    for (var i in S.shown) {
      if (n >= geom.maxLabels) break;
      if (geom.lz[i] <= z && geom.lp[i] && b.contains(geom.lp[i])) { want[i] = true; n++; }
    }
    for (key in S.labelShown) { if (!want[key]) { S.labels.removeLayer(S.labelShown[key]); delete S.labelShown[key]; } }
    for (key in want) {
      if (!S.labelShown[key]) {
        S.labelShown[key] = L.marker(geom.lp[key], {interactive: false, keyboard: false,
          icon: L.divIcon({className: "antt-lbl", html: "<span>" + esc(geom.names[key]) + "</span>", iconSize: [0, 0]})
        }).addTo(S.labels);
      }
    }
  }

  // ------------------------------------------------------------------ legend

  function clusterIcon(color) {
    return function (c) {
      var n = c.getChildCount(), s = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
      return L.divIcon({className: "antt-cluster", iconSize: [s, s],
        html: '<div style="background:' + esc(color) + '">' + n + "</div>"});
    };
  }

  function layerLegend(b) {
    var o = S.opts.words || {}, d = b.data, h = '<div class="antt-sec"><div class="antt-lh">' + esc(b.legend) + "</div>";
    if (b.kind === "nomap") {
      return '<div class="antt-sec"><div><i class="antt-nomap-key" style="background:' + esc(d.color) +
        ";border:1px dashed " + esc(d.line) + '"></i>' + esc(d.label) + ' <span class="antt-n">(' + esc(d.n) + ")</span></div></div>";
    }
    if (b.kind === "heat") {
      h += "<div>" + esc(o.low || "") + '<span class="antt-grad"></span>' + esc(o.high || "") + "</div>";
    } else if (b.kind === "cameras") {
      h += '<div><span class="antt-dot" style="background:' + esc(d.color) + '"></span>' + esc(d.label) + "</div>";
      h += '<div><span class="antt-sym" style="background:' + esc(d.color) + '">n</span>' + esc(o.cluster || "") + "</div>";
      if (o.rings) h += "<div><i style=\"border-radius:50%;background:transparent;border-color:" + esc(d.color) + '"></i>' + esc(o.rings) + "</div>";
    } else if (b.kind === "groups") {
      var used = {};
      for (var i = 0; i < d.points.length; i++) used[d.points[i][2]] = true;
      for (var j = 0; j < d.types.length; j++) {
        if (!used[j]) continue;
        var t = d.types[j];
        h += '<div><span class="antt-sym" style="background:' + esc(t[0]) + '">' + esc(t[1]) + "</span>" + esc(t[2]) + "</div>";
      }
      h += '<div><span class="antt-sym" style="background:' + esc(d.color) + '">n</span>' + esc(o.cluster || "") + "</div>";
    }
    return h + "</div>";
  }

  function drawLegend() {
    var box = S.legend.getContainer(), V = S.values;
    if (!V) return;
    var html = (S.timeline && S.tlFrame >= 0) ? S.timeline.legends[S.tlFrame] : V.legend;
    for (var i = 0; i < S.layerKeys.length; i++) {
      var b = S.blobs[S.layerKeys[i]];
      if (b && S.layers[b.key] && S.map.hasLayer(S.layers[b.key])) html += layerLegend(b);
    }
    box.querySelector(".antt-ltt").textContent = (S.opts.words || {}).legend || "";
    box.querySelector(".antt-lb").innerHTML = html;
  }

  // ------------------------------------------------------------------ point layers

  function makeLayer(b) {
    var D = b.data, map = S.map;
    if (b.kind === "heat") return L.heatLayer(D.data, D.options);
    if (b.kind === "nomap") {   // communes with no village map (village level): grey, dashed, said so
      var nm = L.featureGroup(), sc = Math.pow(10, D.precision);
      for (var n = 0; n < D.g.length; n++) {
        L.polygon(decode(D.g[n], sc), {color: D.line, weight: 1.4, dashArray: "5 4", fillColor: D.color,
                                       fillOpacity: 0.6, className: "antt-nomap"})
          .bindTooltip("<b>" + esc(D.names[n]) + "</b><br>" + esc(D.label), {sticky: true, className: "antt-tip"})
          .addTo(nm);
      }
      return nm;
    }
    if (b.kind === "cameras") {
      var icon = L.divIcon({className: "antt-cam", iconSize: [12, 12],
        html: '<div style="width:100%;height:100%;border-radius:50%;background:' + esc(D.color) + '"></div>'});
      var cluster = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
        disableClusteringAtZoom: D.ringZoom, iconCreateFunction: clusterIcon(D.color)});
      cluster.addLayers(D.points.map(function (p) {
        var t = (p[3] ? "<b>" + esc(p[3]) + "</b><br>" : "") + esc(D.label) + (p[2] > 0 ? " · " + esc(D.radiusLabel) + " " + esc(p[4]) + " m" : "");
        for (var i = 0; i < D.fields.length; i++) {
          var v = p[5 + i];
          if (v != null && v !== "") t += "<br>" + esc(D.fields[i]) + ": " + esc(v);
        }
        return L.marker([p[0], p[1]], {icon: icon, keyboard: false}).bindTooltip(t, {className: "antt-tip"});
      }));
      var rings = L.layerGroup(), drawn = {};
      var group = L.featureGroup([cluster, rings]);
      var update = function () {
        var on = map.hasLayer(group) && map.getZoom() >= D.ringZoom;
        var bb = on ? map.getBounds().pad(0.2) : null, want = {}, n = 0, key;
        if (on) {
          for (var i = 0; i < D.points.length && n < D.maxRings; i++) {
            var p = D.points[i];
            if (p[2] > 0 && bb.contains([p[0], p[1]])) { want[i] = true; n++; }
          }
        }
        for (key in drawn) { if (!want[key]) { rings.removeLayer(drawn[key]); delete drawn[key]; } }
        for (key in want) {
          if (!drawn[key]) {
            var q = D.points[key];
            drawn[key] = L.circle([q[0], q[1]], {radius: q[2], color: D.color, weight: 1, opacity: 0.8,
              fillColor: D.color, fillOpacity: 0.08, interactive: false}).addTo(rings);
          }
        }
      };
      map.on("moveend", update);
      group.on("add", function () { setTimeout(update, 0); });
      return group;
    }
    var icons = D.types.map(function (t) {
      return L.divIcon({className: "antt-grp", iconSize: [22, 22],
        html: '<div style="background:' + esc(t[0]) + '">' + esc(t[1]) + "</div>"});
    });
    var cl = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50, showCoverageOnHover: false,
      iconCreateFunction: clusterIcon(D.color)});
    cl.addLayers(D.points.map(function (p) {
      var t = "<b>" + esc(p[3]) + "</b><br>" + esc(D.types[p[2]][2]);
      for (var i = 0; i < D.fields.length; i++) {
        var v = p[4 + i];
        if (v != null && v !== "") t += "<br>" + esc(D.fields[i]) + ": " + esc(v);
      }
      return L.marker([p[0], p[1]], {icon: icons[p[2]], keyboard: false}).bindTooltip(t, {className: "antt-tip"});
    }));
    return cl;
  }

  function syncLayers(keys) {
    var k, changed = false;
    for (k in S.layers) {
      if (keys.indexOf(k) < 0) { S.map.removeLayer(S.layers[k]); delete S.layers[k]; changed = true; }
    }
    for (var i = 0; i < keys.length; i++) {
      k = keys[i];
      if (!S.layers[k] && S.blobs[k]) { S.layers[k] = makeLayer(S.blobs[k]); S.layers[k].addTo(S.map); changed = true; }
    }
    S.layerKeys = keys.slice();
    if (changed || !S.control) {
      if (S.control) S.map.removeControl(S.control);
      var overlays = {};
      overlays[esc(S.values ? S.values.metric : "")] = S.group;
      for (i = 0; i < keys.length; i++) if (S.layers[keys[i]]) overlays[esc(S.blobs[keys[i]].name)] = S.layers[keys[i]];
      S.control = L.control.layers(null, overlays, {collapsed: true, position: "topright"}).addTo(S.map);
    }
  }

  // ------------------------------------------------------------------ timeline

  function showFrame(i) {
    var t0 = performance.now();
    S.tlFrame = i;
    restyle();
    drawLegend();
    var c = S.tlControl.getContainer();
    c.querySelector("input").value = String(i);
    c.querySelector(".antt-tl").textContent = S.timeline.labels[i];
    S.frameTimes.push(performance.now() - t0);
    if (S.frameTimes.length > 500) S.frameTimes.shift();
  }

  function stopPlay() {
    if (S.tlTimer) { clearInterval(S.tlTimer); S.tlTimer = null; }
    if (S.tlControl) S.tlControl.getContainer().querySelector(".antt-play").textContent = "▶";
  }

  function play() {
    var n = S.timeline.labels.length;
    if (S.tlTimer) { stopPlay(); return; }
    S.tlControl.getContainer().querySelector(".antt-play").textContent = "❚❚";
    if (S.tlFrame >= n - 1) showFrame(0);
    S.tlTimer = setInterval(function () {
      if (S.tlFrame >= n - 1) { stopPlay(); return; }
      showFrame(S.tlFrame + 1);
    }, S.opts.frameMs || 800);
  }

  function setTimeline(key) {
    if (key === S.tlKey) return;
    stopPlay();
    if (S.tlControl) { S.map.removeControl(S.tlControl); S.tlControl = null; }
    S.tlKey = key;
    S.timeline = key ? S.blobs[key] : null;
    S.tlFrame = -1;
    if (!S.timeline) return;
    var T = S.timeline, words = S.opts.words || {};
    S.tlControl = L.control({position: "bottomleft"});
    S.tlControl.onAdd = function () {
      var d = L.DomUtil.create("div", "antt-box antt-time");
      d.innerHTML = '<button type="button" class="antt-play" title="' + esc(words.play || "") + '">▶</button>' +
        '<input type="range" min="0" max="' + (T.labels.length - 1) + '" step="1" value="' + (T.labels.length - 1) +
        '" aria-label="' + esc(words.timeline || "") + '"><span class="antt-tl"></span>';
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      d.querySelector(".antt-play").addEventListener("click", play);
      d.querySelector("input").addEventListener("input", function () { stopPlay(); showFrame(parseInt(this.value, 10)); });
      return d;
    };
    S.tlControl.addTo(S.map);
    showFrame(T.labels.length - 1);
  }

  // ------------------------------------------------------------------ render

  function render(args) {
    S.renders += 1;
    S.opts = args.opts || {};
    var blobs = typeof args.blobs === "string" ? JSON.parse(args.blobs) : (args.blobs || {});
    if (typeof args.values === "string") args.values = JSON.parse(args.values);
    for (var k in blobs) keepBlob(blobs[k]);
    var wanted = [args.geom].concat(args.layers || []);
    if (args.timeline) wanted.push(args.timeline);
    var missing = wanted.filter(function (k) { return k && !S.blobs[k]; });
    var have = Object.keys(S.blobs).sort();
    if (String(out.have) !== String(have)) {  // tell Python what this frame holds (a new frame: nothing)
      out.have = have;
      sendValue();
    }
    setHeight();
    if (missing.length) {                    // sent to a frame that no longer exists: comes on the rerun
      if (!S.map) document.getElementById("wait").textContent = (S.opts.words || {}).loading || "…";
      return;
    }
    var w = document.getElementById("wait");
    if (w) w.remove();
    ensureMap();
    if (S.geomKey !== args.geom) buildGeometry(S.blobs[args.geom]);
    var V = args.values;
    var valuesChanged = V.key !== S.valuesKey;
    if (valuesChanged) { S.values = V; S.valuesKey = V.key; }
    setTimeline(args.timeline || null);
    if (valuesChanged) restyle();
    syncLayers(args.layers || []);
    drawLegend();
    if (V.fit !== S.fitKey) { S.fitKey = V.fit; fit(); updateLabels(); }
    else if (valuesChanged) updateLabels();
    S.drawnKey = V.key;
    document.body.setAttribute("data-values", V.key);
    S.lastRenderAt = performance.now();
    setTimeout(setHeight, 400);
  }

  window.addEventListener("message", function (e) {
    var d = e.data;
    if (d && d.type === "streamlit:render") render(d.args);
  });
  try { window.parent.addEventListener("resize", function () { setHeight(); }); } catch (e) { /* ignore */ }
  post("streamlit:componentReady", {apiVersion: 1});
})();
