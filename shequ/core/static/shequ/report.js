// The report form: pick the place on a map of the community's grids (no tiles needed),
// ask for nearby open problems of the same category, and give the form an idempotency
// key so that a double tap or a retry on a poor connection is recorded once.
(function () {
  var idem = document.getElementById("idem");
  if (idem && !idem.value) {
    idem.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }
  var el = document.getElementById("pick-map");
  var data = document.getElementById("grid-data");
  if (!el || !window.L) return;
  var grids = data ? JSON.parse(data.textContent) : { features: [] };
  var map = L.map(el, { attributionControl: false });
  el._leafletMap = map; // lets scripts (and browser tests) place the pin as a click would
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  var layer = L.geoJSON(grids, { style: { color: "#c0392b", weight: 1, fillOpacity: 0.08 } }).addTo(map);
  if (grids.features.length) map.fitBounds(layer.getBounds()); else map.setView([35, 105], 4);
  var lon = document.getElementById("lon"), lat = document.getElementById("lat");
  var marker = null;
  // Before the first place(): a form returned with its pin calls nearby() at once.
  var category = document.getElementById("category");
  function place(ll) {
    if (marker) marker.setLatLng(ll); else marker = L.marker(ll).addTo(map);
    lon.value = ll.lng.toFixed(6); lat.value = ll.lat.toFixed(6);
    document.getElementById("pin-text").textContent = "已标注：" + lon.value + ", " + lat.value;
    nearby();
  }
  if (lat.value && lon.value) place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
  map.on("click", function (e) { place(e.latlng); });
  function nearby() {
    if (!category.value || !lat.value || !window.htmx) return;
    htmx.ajax("GET", "/problems/nearby/?category=" + encodeURIComponent(category.value) +
      "&lon=" + lon.value + "&lat=" + lat.value, { target: "#nearby", swap: "innerHTML" });
  }
  category.addEventListener("change", nearby);
})();
