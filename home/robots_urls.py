# Included at "robots.txt" by portal.urls (which names apps' URL modules, never imports them).
from django.urls import path

from home import views

urlpatterns = [path("", views.robots_txt, name="seo_robots")]
