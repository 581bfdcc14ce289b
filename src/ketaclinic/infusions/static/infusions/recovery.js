// The recovery countdown: each [data-until] element (an ISO time) shows the
// whole minutes still to go, rounded up, and "minimum reached" once past.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-until]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-until")) - Date.now();
      if (isNaN(left)) return;
      if (left <= 0) {
        el.textContent = "minimum reached";
        el.className = "badge ok";
        return;
      }
      var minutes = Math.ceil(left / 60000);
      el.textContent = minutes + (minutes === 1 ? " minute" : " minutes") + " to go";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 15000);
  });
})();
