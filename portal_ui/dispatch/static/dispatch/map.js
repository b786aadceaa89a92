// The map: markers (clustered) for the sites the filters select, from /map/data.json; a click opens the
// site's card beside the map. Tiles are decoration: markers, the list and the filters work without them.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var note = el.querySelector(".no-js-note");
  if (note) note.remove();

  var map = L.map(el, { zoomControl: true }).setView([39.5, -98.35], 4);
  L.tileLayer(el.getAttribute("data-tiles"), {
    attribution: el.getAttribute("data-attribution"),
    maxZoom: 19,
  }).addTo(map);

  var card = document.getElementById("map-card");
  var siteUrl = el.getAttribute("data-site-url");
  var query = el.getAttribute("data-query");

  function openCard(id) {
    var url = siteUrl.replace(/\/1\/$/, "/" + id + "/") + (query ? "?" + query : "");
    fetch(url, { credentials: "same-origin", headers: { "X-Map-Card": "1" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        card.innerHTML = html; // rendered and escaped by the server
        card.setAttribute("data-site", String(id));
      })
      .catch(function () { card.textContent = "The site's work orders could not be loaded."; });
  }

  function pin(count) {
    var size = count > 99 ? 34 : 28;
    return L.divIcon({
      className: "map-pin",
      html: "<span>" + String(count) + "</span>",
      iconSize: [size, size],
    });
  }

  fetch(el.getAttribute("data-url"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
      var markers = [];
      for (var i = 0; i < data.sites.length; i++) {
        var s = data.sites[i];
        var marker = L.marker([s[1], s[2]], { icon: pin(s[3]), title: s[4], alt: s[4], keyboard: true });
        marker.on("click", openCard.bind(null, s[0]));
        markers.push(marker);
      }
      cluster.addLayers(markers);
      map.addLayer(cluster);
      if (markers.length) map.fitBounds(cluster.getBounds(), { maxZoom: 12, padding: [20, 20] });
      el.setAttribute("data-markers", String(markers.length));
      el.setAttribute("data-ready", "1");
    })
    .catch(function () {
      el.setAttribute("data-ready", "error");
    });
})();
