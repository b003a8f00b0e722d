// Fields required only for some answers (data-required-when="field=value"): while the answer
// makes them required, their "(optional)" note is hidden and they are announced as required.
// The server checks the same rule (markets.forms.RegistrationForm.required_when).
(function () {
  "use strict";
  var dependents = document.querySelectorAll("[data-required-when]");
  if (!dependents.length) return;
  var form = dependents[0].form;

  function answer(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var other = form.elements[name];
    return other && other.value !== undefined ? other.value : "";
  }

  function refresh() {
    dependents.forEach(function (input) {
      var rule = input.getAttribute("data-required-when").split("=");
      var required = answer(rule[0]) === rule[1];
      var field = input.closest(".reg-field");
      var note = field && field.querySelector("[data-optional-note]");
      if (note) note.hidden = required;
      if (required) input.setAttribute("aria-required", "true");
      else input.removeAttribute("aria-required");
    });
  }

  form.addEventListener("change", refresh);
  refresh();
})();
