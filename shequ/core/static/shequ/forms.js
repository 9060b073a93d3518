// A refused form: every field with a message beside it, or named in the message box at
// the top, is marked aria-invalid and tied to its message, and the first of them takes
// the focus. A screen reader then says what to fix, and a keyboard user starts there
// instead of at the top of the page. Run on load and on every htmx swap; a swap from a
// GET (a filter typed into, a poll) marks the fields but leaves the focus where it is.
(function () {
  "use strict";
  var CONTROL = "input:not([type=hidden]), select, textarea";
  var count = 0;

  function fieldBeside(message) {
    var label = message.closest("label");
    if (label) return label.querySelector(CONTROL);
    var before = message.previousElementSibling;
    return before && before.matches(CONTROL) ? before : null;
  }

  function describe(field, message) {
    if (!message.id) message.id = "field-error-" + ++count;
    var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (ids.indexOf(message.id) < 0) ids.push(message.id);
    field.setAttribute("aria-describedby", ids.join(" "));
  }

  function mark(root, focus) {
    var first = null;
    root.querySelectorAll(".field-error").forEach(function (message) {
      var field = fieldBeside(message);
      if (!field) return;
      field.setAttribute("aria-invalid", "true");
      describe(field, message);
      first = first || field;
    });
    root.querySelectorAll(".error[data-fields]").forEach(function (box) {
      box.getAttribute("data-fields").split(" ").forEach(function (name) {
        if (!name) return;
        var field = root.querySelector('form [name="' + CSS.escape(name) + '"]:not([type=hidden])');
        if (!field) return;
        field.setAttribute("aria-invalid", "true");
        describe(field, box);
        first = first || field;
      });
    });
    // A row whose messages follow its button (the store's catalogue) marks its own fields.
    first = first || root.querySelector('[aria-invalid="true"]:not([type=hidden])');
    if (!focus) return;
    if (first) {
      first.focus();
      return;
    }
    var box = root.querySelector(".error[role=alert]");
    if (box && box.closest("form, main")) {
      box.setAttribute("tabindex", "-1");
      box.focus();
    }
  }

  function start() {
    var main = document.querySelector("main");
    if (!main) return;
    mark(main, true);
    // The swapped element may be gone (an outerHTML swap), so the page is marked again.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var config = event.detail.requestConfig;
      mark(main, !!config && config.verb !== "get");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
