// runlens graph pictures: every element with data-graph-src gets the JSON at
// that URL (a posture.View: nodes, edges, omitted counts, optional path)
// drawn with Cytoscape.js and the dagre layered layout, callers on the left,
// resources on the right. The tables on the page carry the same answer for
// keyboard and screen reader users. No inline script: this file is loaded
// with the page and reads only data attributes.
(function () {
  "use strict";
  if (typeof cytoscape === "undefined") { return; }
  if (typeof cytoscapeDagre !== "undefined") { cytoscape.use(cytoscapeDagre); }

  var colours = {
    public: "#b91c1c", user: "#7c3aed", group: "#7c3aed", domain: "#7c3aed",
    subscription: "#0e7490", trigger: "#0e7490", schedulerJob: "#0e7490", topic: "#0e7490",
    service: "#1d4ed8", job: "#1d4ed8", serviceAccount: "#b45309",
    bucket: "#15803d", secret: "#15803d", sqlInstance: "#15803d", kmsKey: "#15803d",
    project: "#6b7280", folder: "#6b7280", organization: "#6b7280", other: "#9ca3af"
  };
  var names = { serviceAccount: "service accounts", schedulerJob: "Scheduler jobs", sqlInstance: "Cloud SQL instances", kmsKey: "KMS keys", public: "public principals" };

  // Columns of the layered layout: callers, services, identities, resources,
  // containers.
  var column = {
    public: 0, user: 0, group: 0, domain: 0, subscription: 0, trigger: 0, schedulerJob: 0, topic: 0,
    service: 1, job: 1, serviceAccount: 2, bucket: 3, secret: 3, sqlInstance: 3, kmsKey: 3, other: 3,
    project: 4, folder: 4, organization: 4, summary: 4
  };

  // positions places nodes in their column, in the order they came.
  function positions(els) {
    var rows = {};
    els.forEach(function (e) {
      if (e.data.source) { return; }
      var c = column[e.data.kind];
      if (c === undefined) { c = 3; }
      rows[c] = (rows[c] || 0) + 1;
      e.position = { x: c * 260, y: rows[c] * 56 };
    });
  }

  function label(n) {
    var l = n.label || n.id;
    return l.length > 42 ? l.slice(0, 40) + "…" : l;
  }

  function elements(view) {
    var els = [];
    var seen = {};
    (view.nodes || []).forEach(function (n) {
      seen[n.id] = true;
      els.push({ data: { id: n.id, label: label(n), kind: n.kind, severity: n.severity || "", focus: n.id === view.focus ? "yes" : "" } });
    });
    (view.edges || []).forEach(function (e, i) {
      if (!seen[e.from] || !seen[e.to]) { return; }
      els.push({ data: { id: "e" + i, source: e.from, target: e.to, kind: e.kind, label: e.kind + (e.role ? " " + e.role.replace("roles/", "") : "") } });
    });
    var omitted = view.omitted || {};
    Object.keys(omitted).forEach(function (k) {
      var id = "omitted:" + k;
      els.push({ data: { id: id, label: omitted[k] + " more " + (names[k] || k + "s"), kind: "summary" } });
      if (view.focus) { els.push({ data: { id: id + ":e", source: view.focus, target: id, kind: "summary", label: "" } }); }
    });
    return els;
  }

  function draw(el, view) {
    var els = elements(view);
    // A path reads best as a chain (dagre, left to right); everything else
    // in fixed columns.
    var layout = { name: "preset", fit: true, padding: 20 };
    if (view.path && typeof cytoscapeDagre !== "undefined") {
      layout = { name: "dagre", rankDir: "LR", nodeSep: 30, rankSep: 120 };
    } else {
      positions(els);
    }
    var cy = cytoscape({
      container: el,
      elements: els,
      wheelSensitivity: 0.2,
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 4,
          "background-color": function (n) { return colours[n.data("kind")] || "#9ca3af"; }, "width": 18, "height": 18, "color": "#1b1f24" } },
        { selector: "node[severity = 'critical'], node[severity = 'high']", style: { "border-width": 4, "border-color": "#dc2626" } },
        { selector: "node[severity = 'medium'], node[severity = 'low']", style: { "border-width": 3, "border-color": "#f59e0b" } },
        { selector: "node[focus = 'yes']", style: { "width": 28, "height": 28, "font-weight": "bold" } },
        { selector: "node[kind = 'summary']", style: { "shape": "round-rectangle", "background-color": "#e5e7eb", "width": 24, "height": 14, "font-style": "italic" } },
        { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5, "line-color": "#9ca3af",
          "target-arrow-color": "#9ca3af", "label": "data(label)", "font-size": 8, "color": "#4b5563", "text-rotation": "autorotate" } },
        { selector: "edge[kind = 'child_of']", style: { "line-style": "dotted", "label": "" } },
        { selector: "edge[kind = 'can_invoke'], edge[kind = 'pushes_to'], edge[kind = 'triggers']", style: { "line-color": "#1d4ed8", "target-arrow-color": "#1d4ed8" } },
        { selector: "edge[kind = 'can_act_as']", style: { "line-color": "#b45309", "target-arrow-color": "#b45309", "width": 2.5 } },
        { selector: "edge[kind = 'summary']", style: { "line-style": "dashed", "target-arrow-shape": "none" } }
      ],
      layout: layout
    });
    cy.on("tap", "node", function (evt) {
      var id = evt.target.id();
      if (id.indexOf("omitted:") === 0) { return; }
      window.location.href = "/graph?focus=" + encodeURIComponent(id);
    });
    el.setAttribute("data-rendered", String(cy.nodes().length));
  }

  function load(el) {
    fetch(el.getAttribute("data-graph-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (view) { draw(el, view); })
      .catch(function (err) {
        el.textContent = "The picture could not be drawn (" + err.message + "); the tables below have the same answer.";
        el.setAttribute("data-rendered", "error");
      });
  }

  document.querySelectorAll("[data-graph-src]").forEach(load);
})();
