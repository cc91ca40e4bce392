// runlens: the little script every page loads. No inline script anywhere
// (the CSP forbids it): behaviour hangs on data attributes.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Print buttons ([data-print]) are hidden until this script can make
    // them work.
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
    // On a phone every table reads as one card per row (app.css,
    // .cards-on-mobile): each cell is labelled with its column's header.
    // Without this script tables scroll sideways inside their frame.
    document.querySelectorAll("main table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (heads.length === 0) { return; }
      table.classList.add("cards-on-mobile");
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (td.tagName === "TD" && !td.hasAttribute("data-label") && !td.hasAttribute("colspan") && heads[i]) { td.setAttribute("data-label", heads[i]); }
        });
      });
    });
    // Copy buttons ([data-copy]) write the full ID to the clipboard; shown
    // only where the clipboard can be written (a secure context).
    if (navigator.clipboard && window.isSecureContext) {
      document.querySelectorAll("button[data-copy]").forEach(function (b) {
        b.hidden = false;
        b.addEventListener("click", function () {
          navigator.clipboard.writeText(b.getAttribute("data-copy")).then(function () {
            b.textContent = "Copied";
            setTimeout(function () { b.textContent = "Copy"; }, 1500);
          });
        });
      });
    }
    // Inputs marked data-suggest fill their <datalist> with the names the
    // graph search finds as the user types (the same search as the page's).
    document.querySelectorAll("input[data-suggest]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      if (!list) { return; }
      var timer = 0, asked = "";
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var q = input.value.trim();
          if (q.length < 2 || q === asked) { return; }
          asked = q;
          fetch("/api/v1/graph/search?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
            .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
            .then(function (res) {
              if (input.value.trim() !== q) { return; }
              list.textContent = "";
              var seen = {};
              (res.matches || []).forEach(function (m) {
                var n = m.node, text = n.label || n.id;
                if (seen[text]) { return; }
                seen[text] = true;
                var o = document.createElement("option");
                o.value = text;
                o.label = n.kind + (n.project ? " · " + n.project : "");
                list.appendChild(o);
              });
            })
            .catch(function () { /* suggestions are a convenience */ });
        }, 150);
      });
    });
  });
})();
