// The security token a form or an htmx request sends is read from the browser's cookie
// when it is sent, not the one written into the page when it loaded. Signing in again (in
// a new window, as the signed-out notice asks, or in another tab) gives the browser a new
// token: the page's own was then refused (页面已过期), and the report typed on it, which
// the notice had said could be sent as it was, was not saved. The cookie is Django's
// csrftoken (CSRF_COOKIE_NAME), readable by scripts as Django's AJAX guide has it.
(function () {
  "use strict";

  function current() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : "";
  }

  // Capturing on the document runs before htmx's and the browser's own handling of the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var token = current();
    if (!token || !form || !form.querySelectorAll) return;
    Array.prototype.forEach.call(form.querySelectorAll('input[name="csrfmiddlewaretoken"]'), function (input) {
      input.value = token;
    });
  }, true);

  // htmx sends body's hx-headers token; this replaces it with the cookie's, as sent.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = current();
    if (token && event.detail && event.detail.headers) event.detail.headers["X-CSRFToken"] = token;
  });
})();
