(function () {
  var el = document.getElementById("point-map");
  if (!el || !window.L) return;
  var ll = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var map = L.map(el, { attributionControl: false }).setView(ll, 17);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  L.circleMarker(ll, { radius: 8, color: "#c0392b" }).addTo(map);
})();
