// runlens change review: turns the renderings of a change set into tabs and
// offers a Copy button per rendering. Without JavaScript the tab links are
// anchors (CSS :target shows the one chosen) and the code can be selected by
// hand. No inline script: this file is loaded with the page and reads only
// data attributes.
(function () {
  "use strict";

  function setup(box) {
    var tabs = Array.prototype.slice.call(box.querySelectorAll("a[data-tab]"));
    var panels = tabs.map(function (t) { return document.getElementById(t.getAttribute("data-tab")); });
    if (tabs.length === 0 || panels.indexOf(null) >= 0) { return; }
    var list = box.querySelector(".tablist");
    if (list) { list.setAttribute("role", "tablist"); }

    function show(i, focus) {
      tabs.forEach(function (t, j) {
        t.setAttribute("aria-selected", i === j ? "true" : "false");
        t.setAttribute("tabindex", i === j ? "0" : "-1");
        panels[j].hidden = i !== j;
      });
      if (focus) { tabs[i].focus(); }
    }

    tabs.forEach(function (t, i) {
      t.setAttribute("role", "tab");
      t.setAttribute("aria-controls", panels[i].id);
      panels[i].setAttribute("role", "tabpanel");
      t.addEventListener("click", function (ev) {
        ev.preventDefault();
        show(i, false);
        if (window.history && history.replaceState) { history.replaceState(null, "", "#" + panels[i].id); }
      });
      t.addEventListener("keydown", function (ev) {
        var n = tabs.length, k = -1;
        if (ev.key === "ArrowRight") { k = (i + 1) % n; }
        if (ev.key === "ArrowLeft") { k = (i + n - 1) % n; }
        if (ev.key === "Home") { k = 0; }
        if (ev.key === "End") { k = n - 1; }
        if (k >= 0) { ev.preventDefault(); show(k, true); }
      });
    });
    var start = 0;
    panels.forEach(function (p, i) { if (location.hash === "#" + p.id) { start = i; } });
    box.classList.add("js");
    show(start, false);
  }

  function copyButtons() {
    if (!navigator.clipboard || !navigator.clipboard.writeText) { return; }
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      var code = document.getElementById(b.getAttribute("data-copy"));
      if (!code) { return; }
      b.hidden = false;
      b.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent).then(function () {
          b.textContent = "Copied";
        }, function () {
          b.textContent = "Copy failed: select the text";
        });
        setTimeout(function () { b.textContent = "Copy"; }, 2000);
      });
    });
  }

  function init() {
    document.querySelectorAll(".tabs").forEach(setup);
    copyButtons();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
