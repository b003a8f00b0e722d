/* The public maps (templates/markets/includes/map.html, templates/shops/includes/location.html).
 * A market's map reads its markers from a JSON data block and clusters them;
 * a shop's map shows its one place. Both stay hidden without JavaScript: the
 * list or the address beside them says the same. Popups are built with DOM
 * nodes and textContent, never HTML from the data. */
(function () {
  "use strict";

  function tileLayer(element) {
    return L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution, maxZoom: 19 });
  }

  function popup(marker, linkLabel) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("a");
    title.className = "map-popup__title";
    title.href = marker.url;
    title.textContent = marker.name;
    box.appendChild(title);
    if (marker.category) {
      var category = document.createElement("p");
      category.className = "map-popup__category";
      category.textContent = marker.category;
      box.appendChild(category);
    }
    if (marker.modes && marker.modes.length) {
      var modes = document.createElement("ul");
      modes.className = "map-popup__modes";
      marker.modes.forEach(function (mode) {
        var item = document.createElement("li");
        item.textContent = mode;
        modes.appendChild(item);
      });
      box.appendChild(modes);
    }
    var link = document.createElement("a");
    link.className = "map-popup__link";
    link.href = marker.url;
    link.textContent = linkLabel;
    box.appendChild(link);
    return box;
  }

  function marketMap(element) {
    var data = document.getElementById(element.dataset.marketMap);
    if (!data) return;
    var markers = JSON.parse(data.textContent);
    if (!markers.length) return;
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false });
    tileLayer(element).addTo(map);
    var group = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false }) : L.featureGroup();
    markers.forEach(function (marker) {
      L.marker([marker.lat, marker.lon], { title: marker.name, alt: marker.name })
        .bindPopup(popup(marker, element.dataset.linkLabel))
        .addTo(group);
    });
    group.addTo(map);
    map.fitBounds(group.getBounds(), { padding: [30, 30], maxZoom: 16 });
  }

  function shopMap(element) {
    var lat = parseFloat(element.dataset.lat);
    var lon = parseFloat(element.dataset.lon);
    if (isNaN(lat) || isNaN(lon)) return;
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], 16);
    tileLayer(element).addTo(map);
    L.marker([lat, lon], { title: element.dataset.name, alt: element.dataset.name, keyboard: false }).addTo(map);
  }

  function setUp() {
    if (!window.L) return;
    document.querySelectorAll("[data-market-map]").forEach(marketMap);
    document.querySelectorAll("[data-shop-location]").forEach(shopMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
