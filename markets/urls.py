from django.urls import path

from markets import views
from portal import converters  # noqa: F401 (registers <pk:...>)

app_name = "markets"

urlpatterns = [
    path("visuel/<pk:shop_id>.png", views.shop_visual, name="shop_visual"),
    path("visuel/<pk:shop_id>/couverture.png", views.shop_cover_visual, name="shop_cover_visual"),
]
