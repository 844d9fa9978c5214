// Check-in form: the − and + buttons next to each count. The number fields work on
// their own; the buttons only appear when this script runs.
(function () {
  "use strict";
  document.querySelectorAll(".stepper").forEach(function (box) {
    var input = box.querySelector("input");
    box.querySelectorAll("button.step").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var value = parseInt(input.value, 10);
        if (isNaN(value)) { value = 0; }
        value += parseInt(button.getAttribute("data-step"), 10);
        input.value = String(Math.max(0, Math.min(parseInt(input.max, 10) || 100, value)));
      });
    });
  });
}());
