"""Customer invoice downloads (being written)."""

app_name = "invoices"

urlpatterns = []
