"use strict";
(function () {
  document.documentElement.classList.add("js");
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function words(s) { return s ? s.split(" ").filter(Boolean) : []; }

  function closure(start, nodes, key) {
    var seen = {}, stack = [start];
    while (stack.length) {
      var k = stack.pop();
      if (seen[k]) continue;
      seen[k] = true;
      var n = nodes[k];
      if (n) words(n.getAttribute(key)).forEach(function (x) { stack.push(x); });
    }
    return seen;
  }

  function setupBlock(block) {
    var nodes = {};
    all(block, "svg .node").forEach(function (n) { nodes[n.getAttribute("data-key")] = n; });
    var edges = all(block, "svg .edge");
    var panels = all(block, ".panels .panel");
    var ctl = block.querySelector(".controls");
    if (ctl) ctl.hidden = false;
    function q(name) { return ctl ? ctl.querySelector("[name=" + name + "]") : null; }

    function open(key) {
      panels.forEach(function (p) { p.classList.toggle("open", p.id === key); });
      Object.keys(nodes).forEach(function (k) { nodes[k].classList.toggle("sel", k === key); });
      var f = q("focus");
      if (f && key) f.value = key;
      apply();
    }

    function apply() {
      var mode = q("mode") ? q("mode").value : "all";
      var key = q("focus") ? q("focus").value : "";
      var text = q("id") ? q("id").value.trim().toLowerCase() : "";
      var verdict = q("verdict") ? q("verdict").value : "";
      var prov = q("provenance") ? q("provenance").value : "";
      var keep = null;
      if (mode !== "all" && nodes[key]) {
        keep = closure(key, nodes, mode === "ancestors" ? "data-pred" : "data-succ");
      }
      Object.keys(nodes).forEach(function (k) {
        var n = nodes[k], show = true;
        if (keep && !keep[k]) show = false;
        if (text && n.getAttribute("data-id").toLowerCase().indexOf(text) < 0) show = false;
        if (verdict && n.getAttribute("data-verdict") !== verdict) show = false;
        if (prov && n.getAttribute("data-provenance") !== prov) show = false;
        n.classList.toggle("off", !show);
      });
      edges.forEach(function (e) {
        var a = nodes[e.getAttribute("data-from")], b = nodes[e.getAttribute("data-to")];
        e.classList.toggle("off", !a || !b || a.classList.contains("off") ||
                                  b.classList.contains("off"));
      });
    }

    Object.keys(nodes).forEach(function (k) {
      nodes[k].addEventListener("click", function (ev) { ev.preventDefault(); open(k); });
      nodes[k].addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(k); }
      });
    });
    if (ctl) {
      all(ctl, "input,select").forEach(function (el) {
        el.addEventListener("input", apply);
        el.addEventListener("change", apply);
      });
      var reset = ctl.querySelector("button[name=reset]");
      if (reset) reset.addEventListener("click", function () {
        all(ctl, "input").forEach(function (el) { el.value = ""; });
        all(ctl, "select").forEach(function (el) { el.selectedIndex = 0; });
        apply();
      });
      var f = q("focus");
      if (f) f.addEventListener("change", function () { open(f.value); });
    }
    var first = block.getAttribute("data-open");
    var hash = decodeURIComponent((location.hash || "").slice(1));
    open(nodes[hash] ? hash : first);
  }

  function cellKey(td) {
    var v = td.getAttribute("data-v");
    if (v === null) v = td.textContent.trim();
    var x = parseFloat(v);
    return isNaN(x) || !/^[+-]?(\d|\.\d|inf)/i.test(v) ? { s: v.toLowerCase() } : { n: x };
  }

  function sortable(table) {
    var heads = all(table, "thead th");
    heads.forEach(function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = cellKey(r1.cells[col]), c = cellKey(r2.cells[col]), d;
          if (a.n !== undefined && c.n !== undefined) d = a.n - c.n;
          else if (a.n !== undefined) d = -1;
          else if (c.n !== undefined) d = 1;
          else d = a.s < c.s ? -1 : (a.s > c.s ? 1 : 0);
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  all(document, ".graphblock").forEach(setupBlock);
  all(document, "table.sortable").forEach(sortable);
})();
