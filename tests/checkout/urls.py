"""The portal's URLs plus the checkout ones, until portal/urls.py includes them."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("checkout/", include("checkout.urls"))] + portal_urlpatterns
