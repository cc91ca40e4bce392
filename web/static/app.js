// runlens: the little script every page loads. No inline script anywhere
// (the CSP forbids it): behaviour hangs on data attributes.
(function () {
  "use strict";
  // Print buttons ([data-print]) are hidden until this script can make
  // them work.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
