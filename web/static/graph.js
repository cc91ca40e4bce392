// runlens graph pictures: the server draws each picture as SVG (see
// web/picture.templ); this file only adds the fit and zoom buttons. Without
// it a picture is shown at its natural size, scrolling inside its frame.
// No inline script or style: it reads data attributes and sets sizes
// through the CSSOM, which the CSP allows.
(function () {
  "use strict";
  document.querySelectorAll("figure.pic").forEach(function (fig) {
    var svg = fig.querySelector("svg.graph-svg");
    var tools = fig.querySelector(".pic-tools");
    var frame = fig.querySelector(".pic-scroll");
    if (!svg || !tools || !frame) { return; }
    var natural = Number(svg.getAttribute("width"));
    var scale = 1;
    function set(s) {
      scale = Math.max(0.2, Math.min(s, 3));
      svg.style.width = Math.round(natural * scale) + "px";
      svg.style.height = "auto";
      svg.style.maxWidth = "none";
    }
    function fit() { set(Math.min(1, frame.clientWidth / natural)); }
    tools.hidden = false;
    tools.addEventListener("click", function (e) {
      var z = e.target.getAttribute("data-zoom");
      if (z === "fit") { fit(); } else if (z === "1") { set(1); } else if (z === "in") { set(scale * 1.25); } else if (z === "out") { set(scale / 1.25); }
    });
    // Fitted when that keeps the names readable, else natural size and
    // scrolled (a phone).
    if (frame.clientWidth / natural >= 0.6) { fit(); }
  });
})();
