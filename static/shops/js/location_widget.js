/* The admin's map for placing a shop (shops.map_widget.LocationMapWidget).
 * Clicking the map or dragging the marker writes the two coordinate inputs;
 * typing in them moves the marker. The inputs are what the form submits. */
(function () {
  "use strict";

  // Mainland France, when the shop has no coordinates yet.
  var FRANCE = [46.6, 2.4];

  function setUp(element) {
    if (element.dataset.ready) return;
    element.dataset.ready = "1";
    var form = element.closest("form") || document;
    var latInput = form.querySelector('input[name="' + element.dataset.latitudeName + '"]');
    var lonInput = form.querySelector('input[name="' + element.dataset.longitudeName + '"]');
    if (!latInput || !lonInput) return;

    var map = L.map(element);
    L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.tileAttribution,
      maxZoom: 19,
    }).addTo(map);
    var marker = null;

    function current() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (isNaN(lat) || isNaN(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
      return L.latLng(lat, lon);
    }

    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      }
    }

    function write(latlng) {
      var wrapped = latlng.wrap();
      latInput.value = wrapped.lat.toFixed(6);
      lonInput.value = wrapped.lng.toFixed(6);
      // Wagtail's editor tracks unsaved changes through input events.
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
      lonInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    var start = current();
    if (start) {
      map.setView(start, 16);
      place(start);
    } else {
      map.setView(FRANCE, 5);
    }

    map.on("click", function (event) {
      place(event.latlng);
      write(event.latlng);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var latlng = current();
        if (latlng) {
          place(latlng);
          map.panTo(latlng);
        }
      });
    });
    // The panel may be laid out after the map was made (collapsed panels, tabs).
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(element);
    }
  }

  function setUpAll() {
    document.querySelectorAll("[data-location-map]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
