// The few behaviours pages need beyond htmx, bound by data attributes so that
// no page holds inline script (the Content-Security-Policy allows none).
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A form sent back with errors: focus moves to the first field marked, so
  // a keyboard or screen-reader user lands on what needs correcting.
  document.addEventListener("DOMContentLoaded", function () {
    var marked = document.querySelector(".has-error");
    var control = marked && marked.querySelector("input:not([type=hidden]), select, textarea");
    if (control) {
      control.focus();
    }
  });

  // A field marked with an error, once answered, loses its error message.
  function answered(marked) {
    var boxes = marked.querySelectorAll("input[type=radio], input[type=checkbox]");
    if (boxes.length) {
      return Array.prototype.some.call(boxes, function (box) { return box.checked; });
    }
    var control = marked.querySelector("input, select, textarea");
    return Boolean(control && control.value.trim());
  }
  function clearWhenAnswered(event) {
    var marked = event.target.closest && event.target.closest(".has-error");
    if (!marked || !answered(marked)) {
      return;
    }
    marked.classList.remove("has-error");
    marked.querySelectorAll(".error").forEach(function (error) { error.hidden = true; });
    marked.querySelectorAll("[aria-invalid]").forEach(function (control) {
      control.removeAttribute("aria-invalid");
    });
  }
  document.addEventListener("input", clearWhenAnswered);

  document.addEventListener("change", function (event) {
    clearWhenAnswered(event);
    var target = event.target;
    // <select data-autosubmit>: sends its form when changed.
    if (target.matches("select[data-autosubmit]")) {
      target.form.requestSubmit();
    }
    // <input data-reveal="ID" data-reveal-value="yes">: shows element ID while
    // the checked answer is that value (the crisis help on get-started).
    if (target.matches("input[data-reveal]")) {
      var shown = document.getElementById(target.dataset.reveal);
      if (shown) {
        shown.hidden = target.value !== target.dataset.revealValue;
      }
    }
  });

  // <input data-select-on-click>: one click selects the whole value to copy.
  document.addEventListener("click", function (event) {
    if (event.target.matches("input[data-select-on-click]")) {
      event.target.select();
    }
  });
})();
