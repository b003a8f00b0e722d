from checkout.basket import SESSION_KEY


def basket(request):
    """The number of items in the visitor's basket, for the header link (reads the session only)."""
    session = getattr(request, "session", None)
    data = session.get(SESSION_KEY) if session is not None else None
    count = sum(line.get("quantity", 0) for line in (data or {}).get("lines", []))
    return {"basket_item_count": count}
