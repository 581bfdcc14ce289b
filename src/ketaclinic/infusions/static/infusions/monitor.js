// The infusion chart's monitoring forms: a time left empty is filled with the
// time now when the nurse saves, so that a second tap on "Save" sends the
// very same entry (the server stores it once). Runs before htmx sends the form.
// The time is the clinic's (the field's data-zone), whatever time zone the
// tablet is set to: the clinic reads it as its own.
(function () {
  if (window.ketaclinicMonitorTimes) { return; }  // loaded again after a swap
  window.ketaclinicMonitorTimes = true;
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };

  function clinicTime(now, zone) {
    if (zone && window.Intl && Intl.DateTimeFormat) {
      try {
        var parts = {};
        new Intl.DateTimeFormat("en-GB", {
          timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
        }).formatToParts(now).forEach(function (part) {
          parts[part.type] = part.value;
        });
        if (parts.hour && parts.minute) {
          return parts.hour + ":" + parts.minute;
        }
      } catch (unknownZone) { /* the tablet's own time, below */ }
    }
    return pad(now.getHours()) + ":" + pad(now.getMinutes());
  }

  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[data-now-on-submit]");
    inputs.forEach(function (input) {
      if (!input.value) {
        input.value = clinicTime(new Date(), input.dataset.zone);
      }
    });
  }, true);
})();
