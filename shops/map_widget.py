"""The admin's map for placing a shop: a longitude input with a Leaflet map under it.

The map is built on the vendored Leaflet (static/vendor/leaflet), never
loaded from a CDN. It fills two ordinary number inputs, which stay
editable by hand and are what the form submits: without JavaScript the
editor types the coordinates. The tiles come from `MAP_TILE_URL`, whose
host the admin's Content-Security-Policy allows (portal.settings.base).
"""

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext


class LocationMapWidget(forms.NumberInput):
    """The longitude input, followed by a map that also sets the latitude input named `latitude_field`."""

    def __init__(self, latitude_field: str = "latitude", attrs=None):
        super().__init__(attrs={"step": "0.000001", **(attrs or {})})
        self.latitude_field = latitude_field

    @property
    def media(self):
        return forms.Media(
            css={"all": ["vendor/leaflet/leaflet.css", "shops/css/location_widget.css"]},
            js=["vendor/leaflet/leaflet.js", "shops/js/location_widget.js"],
        )

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        prefix = name[: -len("longitude")] if name.endswith("longitude") else ""
        return format_html(
            '{}<div class="location-map" data-location-map data-latitude-name="{}" data-longitude-name="{}" '
            'data-tile-url="{}" data-tile-attribution="{}" role="application" aria-label="{}"></div>',
            field,
            prefix + self.latitude_field,
            name,
            settings.MAP_TILE_URL,
            settings.MAP_TILE_ATTRIBUTION,
            gettext("Carte : cliquez pour placer la boutique"),
        )
