"""Which shops a user manages follows Wagtail's page permissions only."""

from django.contrib.auth.models import AnonymousUser, User

from markets.editors import make_editor
from markets.merchants import make_merchant
from shops.access import can_manage_shop, shops_managed_by
from tests.fixtures import factories as f


def test_merchant_editor_superuser_and_strangers_see_exactly_their_shops(db, django_assert_max_num_queries):
    # Given two markets; shop 1 of market A is translated into English
    home = f.french_home()
    f.english_home()
    market_a, market_b = f.make_market(home), f.make_market(home)
    shop_1, shop_2, shop_3 = f.make_shop(market_a), f.make_shop(market_a), f.make_shop(market_b)
    f.translate(market_a)
    shop_1_en = f.translate(shop_1)
    merchant = User.objects.create_user("merchant")
    make_merchant(merchant, shop_1)
    editor_a = User.objects.create_user("editor-a")
    make_editor(editor_a, market_a.territory)
    superuser = User.objects.create_superuser("operator")
    inactive = User.objects.create_user("gone", is_active=False)
    make_merchant(inactive, shop_2)

    # Then each sees the French page of exactly their shops
    assert list(shops_managed_by(merchant)) == [shop_1]
    assert set(shops_managed_by(editor_a)) == {shop_1, shop_2}
    assert set(shops_managed_by(superuser)) == {shop_1, shop_2, shop_3}
    assert list(shops_managed_by(inactive)) == []
    assert list(shops_managed_by(AnonymousUser())) == []
    # The English page is the same shop; another merchant's shop is not theirs
    assert can_manage_shop(merchant, shop_1_en)
    assert not can_manage_shop(merchant, shop_2)
    assert not can_manage_shop(editor_a, shop_3)
    with django_assert_max_num_queries(3):
        list(shops_managed_by(merchant))


def test_the_dashboard_shows_site_totals_to_the_operator_only(db, client):
    # Given a merchant and the platform operator
    from django.urls import reverse

    home = f.french_home()
    shop = f.make_shop(f.make_market(home))
    merchant = User.objects.create_user("merchant")
    make_merchant(merchant, shop)
    operator = User.objects.create_superuser("operator")

    # When each opens the admin dashboard
    client.force_login(merchant)
    merchant_page = client.get(reverse("wagtailadmin_home"))
    client.force_login(operator)
    operator_page = client.get(reverse("wagtailadmin_home"))

    # Then only the operator sees the site's page count
    assert merchant_page.status_code == 200
    assert "w-summary" not in merchant_page.content.decode()
    assert "w-summary" in operator_page.content.decode()
