// The infusion chart's monitoring forms: a time left empty is filled with the
// tablet's time when the nurse saves, so that a second tap on "Save" sends the
// very same entry (the server stores it once). Runs before htmx sends the form.
(function () {
  if (window.ketaclinicMonitorTimes) { return; }  // loaded again after a swap
  window.ketaclinicMonitorTimes = true;
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[data-now-on-submit]");
    inputs.forEach(function (input) {
      if (!input.value) {
        var now = new Date();
        input.value = pad(now.getHours()) + ":" + pad(now.getMinutes());
      }
    });
  }, true);
})();
