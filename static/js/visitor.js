// What a page of the page cache leaves out for each visitor (portal.page_cache): the basket
// count and login link of the header, the CSRF token of its forms. Read from checkout.visitor.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  fetch(script.dataset.visitorState, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (state) {
      if (!state) return;
      document.querySelectorAll("form input[name=csrfmiddlewaretoken]").forEach(function (input) {
        input.value = state.csrf_token;
      });
      var basket = document.querySelector(".basket-link");
      if (basket && state.basket_label) {
        var count = basket.querySelector(".basket-link__count") || document.createElement("span");
        count.className = "basket-link__count";
        count.textContent = state.basket_label;
        if (!count.parentNode) { basket.append(" ", count); }
      }
      var account = document.querySelector(".account-link");
      if (account) {
        account.href = state.account_url;
        account.textContent = state.account_label;
      }
    });
})();
