/* Card payment with Stripe.js and the Card Element.
 *
 * The card becomes a payment method in the browser (Stripe.js
 * `createPaymentMethod`; localstripe's fake Stripe.js has none, so there the
 * card of a `createToken` token stands in for it). Our server attaches it to
 * the order's PaymentIntent and confirms; when the bank asks for 3-D Secure
 * the page completes it with `confirmCardPayment`. Then the return page
 * checks with Stripe and confirms the order. No amount ever comes from here.
 */
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var data = form.dataset;
  var stripe = Stripe(data.publishableKey);
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("pay-button");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function fail(message) {
    errors.textContent = message || data.errorGeneric;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }

  function paymentMethodId() {
    return stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result && result.paymentMethod) { return result.paymentMethod.id; }
      if (result && result.error) { throw result.error; }
      return stripe.createToken(card).then(function (tokenResult) {
        if (!tokenResult || tokenResult.error || !tokenResult.token) { throw (tokenResult && tokenResult.error) || {}; }
        return tokenResult.token.card.id;
      });
    });
  }

  // Keep the stock held while the page is open; say so when the hold has ended.
  function keepHold() {
    fetch(data.holdUrl, {
      method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.status === "expired") {
        window.clearInterval(holdTimer);
        errors.textContent = answer.error;
        button.disabled = true;
        window.setTimeout(function () { window.location.assign(data.expiredUrl); }, 4000);
      } else if (answer.status === "paid") {
        window.location.assign(data.returnUrl);
      } else if (answer.expires_at) {
        var until = document.getElementById("hold-until");
        if (until) {
          until.setAttribute("datetime", answer.expires_at);
          until.textContent = new Intl.DateTimeFormat(document.documentElement.lang || "fr", {
            hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris"
          }).format(new Date(answer.expires_at));
        }
      }
    }).catch(function () { /* offline for a moment: the next beat tries again */ });
  }
  var holdTimer = window.setInterval(keepHold, 120000);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errors.textContent = "";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    paymentMethodId().then(function (methodId) {
      var body = new URLSearchParams({ payment_method: methodId });
      return fetch(data.confirmUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        credentials: "same-origin",
        body: body
      }).then(function (response) { return response.json(); });
    }).then(function (answer) {
      if (answer.error) { throw { message: answer.error }; }
      if (answer.status === "requires_action") {
        // Each card is its own attempt, with its own PaymentIntent: authenticate that one.
        return stripe.confirmCardPayment(answer.client_secret || data.clientSecret).then(function (result) {
          if (result.error) { throw result.error; }
        });
      }
    }).then(function () {
      window.location.assign(data.returnUrl);
    }).catch(function (error) {
      fail(error && error.message);
    });
  });
})();
