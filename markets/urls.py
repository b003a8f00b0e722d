from django.urls import path

from markets import views

app_name = "markets"

urlpatterns = [
    path("visuel/<int:shop_id>.png", views.shop_visual, name="shop_visual"),
]
