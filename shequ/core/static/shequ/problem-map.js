// 民情地图: grids shaded by their open problems, pins for located open problems.
// Names go into tooltips as text, never as HTML: a category or area name is typed by staff.
(function () {
  var el = document.getElementById("problem-map");
  if (!el || !window.L) return;
  var grids = JSON.parse(document.getElementById("grid-data").textContent);
  var points = JSON.parse(document.getElementById("point-data").textContent);
  function text(s) { var span = document.createElement("span"); span.textContent = s; return span; }
  var max = 1;
  grids.features.forEach(function (f) { max = Math.max(max, f.properties.open || 0); });
  // Canvas draws thousands of pins without a DOM node each.
  var map = L.map(el, { attributionControl: false, preferCanvas: true });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON(grids, {
    style: function (f) {
      return { color: "#c0392b", weight: 1, fillColor: "#c0392b", fillOpacity: 0.05 + 0.55 * (f.properties.open || 0) / max };
    },
    onEachFeature: function (f, l) {
      l.bindTooltip(text(f.properties.name + "：未办结 " + (f.properties.open || 0) + "（点击查看）"));
      // A grid opens the board filtered to its open problems; a pin opens its problem.
      if (f.properties.href) l.on("click", function () { window.location = f.properties.href; });
    },
  }).addTo(map);
  // The view must be set before markers are added: the grids and the pins together.
  var bounds = L.latLngBounds([]);
  if (grids.features.length) bounds.extend(layer.getBounds());
  points.forEach(function (p) { bounds.extend([p.lat, p.lon]); });
  if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17 }); else map.setView([35, 105], 4);
  points.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 6, color: p.overdue ? "#b00020" : "#1f6feb", fillOpacity: 0.8 })
      .bindTooltip(text(p.category)).on("click", function () { window.location = "/problems/" + p.id + "/"; })
      .addTo(map);
  });
})();
