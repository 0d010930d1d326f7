// The card payment page (templates/donors/payments/pay.html). No inline
// script: everything the page needs comes in data- attributes.
(function () {
  "use strict";

  // One submission per click: the server is idempotent too, this is politeness.
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    });
  });

  // Real Stripe: the Payment Element, confirmed in the browser with the client secret.
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe !== "function") {
    return;
  }
  var stripe = Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  var message = document.getElementById("payment-message");
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // On success Stripe goes to return_url; we only get here on an error.
        if (result.error) {
          message.textContent = result.error.message;
          message.hidden = false;
          button.disabled = false;
        }
      });
  });
})();
