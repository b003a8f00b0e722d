from django.urls import path

from checkout.payments import webhooks

app_name = "checkout"

urlpatterns = [
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe_webhook"),
]
