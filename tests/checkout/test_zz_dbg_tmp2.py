from shops.models import DeliveryKind
from tests.checkout.test_fulfilment import paid_order, detail_url
from tests.checkout.voucher_fixtures import atelier_merchant, client_for  # noqa: F401

def test_dbg(market, atelier_merchant):
    so = paid_order(market, market.atelier, DeliveryKind.POSTAL)
    page = client_for(atelier_merchant).get(detail_url(so)).content.decode()
    i = page.find('preparation/')
    open("/tmp/dbg_page.html", "w").write(page[i-300:i+5000])
