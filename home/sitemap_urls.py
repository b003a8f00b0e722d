# Included at "sitemap.xml" by portal.urls (which names apps' URL modules, never imports them).
from django.urls import path

from home import views

urlpatterns = [path("", views.sitemap, name="seo_sitemap")]
