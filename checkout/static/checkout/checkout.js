/* The checkout form: ask for an address only when the chosen delivery needs one,
 * and show each shop's fee and the total for the options chosen (amounts
 * printed by the server; the server prices the order again anyway). */
(function () {
  "use strict";
  var format = new Intl.NumberFormat(document.documentElement.lang || "fr", { style: "currency", currency: "EUR" });

  function update() {
    var total = 0, allChosen = true;
    document.querySelectorAll(".checkout-shop").forEach(function (shop) {
      var chosen = shop.querySelector("input[type=radio]:checked");
      var address = shop.querySelector(".delivery-address");
      var needsAddress = chosen && chosen.dataset.kind !== "pickup";
      if (address) { address.hidden = !needsAddress; }
      var subtotal = Number(shop.dataset.subtotalCents);
      var fee = chosen ? Number(chosen.dataset.feeCents) : (shop.hasAttribute("data-no-delivery") ? 0 : null);
      var feeOut = shop.querySelector("[data-fee]");
      var totalOut = shop.querySelector("[data-shop-total]");
      if (fee === null) { allChosen = false; } else {
        if (feeOut) { feeOut.textContent = fee ? format.format(fee / 100) : feeOut.dataset.free; }
        if (totalOut) { totalOut.textContent = format.format((subtotal + fee) / 100); }
      }
      total += subtotal + (fee || 0);
    });
    var grand = document.querySelector("[data-grand-total]");
    if (grand) { grand.textContent = format.format(total / 100); }
    var label = document.querySelector("[data-total-label]");
    if (label) { label.textContent = allChosen ? label.dataset.complete : label.dataset.partial; }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches(".checkout-shop input[type=radio]")) { update(); }
  });
  update();
})();
