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

  document.addEventListener("change", function (event) {
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
