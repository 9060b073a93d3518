// Draws the grid polygons of an area page. Works with no tile server: the polygons are
// drawn on a plain background unless the page names an intranet tile URL.
(function () {
  var el = document.getElementById("map");
  var data = document.getElementById("grid-data");
  if (!el || !data || !window.L) return;
  var grids = JSON.parse(data.textContent);
  var map = L.map(el, { attributionControl: false });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON(grids, {
    style: { color: "#c0392b", weight: 1, fillOpacity: 0.15 },
    onEachFeature: function (f, l) {
      var name = document.createElement("span");
      name.textContent = f.properties.name; // text, never HTML: staff type area names
      l.bindTooltip(name);
      l.on("click", function () { window.location = "/areas/" + encodeURIComponent(f.properties.code) + "/"; });
    },
  }).addTo(map);
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds()); else map.setView([35, 105], 4);
})();
