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
    if (before && before.matches(CONTROL)) return before;
    // A one-field form (the unmask reason) whose message follows its button.
    var form = message.closest("form");
    var controls = form ? form.querySelectorAll(CONTROL) : [];
    return controls.length === 1 ? controls[0] : null;
  }

  function describe(field, message) {
    if (!message.id) message.id = "field-error-" + ++count;
    var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (ids.indexOf(message.id) < 0) ids.push(message.id);
    field.setAttribute("aria-describedby", ids.join(" "));
  }

  // root itself too: htmx may swap in the message box alone.
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches(selector)) found.unshift(root);
    return found;
  }

  function mark(root, focus, initial) {
    var first = null;
    within(root, ".field-error").forEach(function (message) {
      var field = fieldBeside(message);
      if (!field) return;
      field.setAttribute("aria-invalid", "true");
      describe(field, message);
      first = first || field;
    });
    within(root, ".error[data-fields]").forEach(function (box) {
      var page = box.closest("main") || document;
      box.getAttribute("data-fields").split(" ").forEach(function (name) {
        if (!name) return;
        var field = page.querySelector('form [name="' + CSS.escape(name) + '"]:not([type=hidden])');
        if (!field) return;
        field.setAttribute("aria-invalid", "true");
        describe(field, box);
        first = first || field;
      });
    });
    // A row whose messages follow its button (the store's catalogue) marks its own fields;
    // on load only: after a swap an older mark elsewhere on the page is not this answer's.
    if (initial) first = first || root.querySelector('[aria-invalid="true"]:not([type=hidden])');
    if (!focus) return;
    if (first) {
      first.focus();
      return;
    }
    var box = within(root, ".error[role=alert]")[0];
    if (box && box.closest("form, main")) {
      box.setAttribute("tabindex", "-1");
      box.focus();
    }
  }

  function start() {
    var main = document.querySelector("main");
    if (!main) return;
    mark(main, true, true);
    // htmx fires afterSwap on each element it swapped in: that answer is marked, not
    // older messages elsewhere on the page.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var config = event.detail.requestConfig;
      var swapped = event.target instanceof Element && event.target.isConnected ? event.target : main;
      mark(swapped, !!config && config.verb !== "get", false);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
