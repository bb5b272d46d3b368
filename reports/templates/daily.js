// Sorting and filtering for the daily report. Plain DOM, no library, no network.
// It reads text only through textContent and data-v attributes, and writes only
// attributes, the hidden flag and textContent: post text is never parsed as markup
// or run. The page's Content-Security-Policy allows this script alone (by its hash).
(function () {
  "use strict";

  function sortKey(cell, numeric) {
    var raw = cell.getAttribute("data-v");
    var text = raw === null ? cell.textContent : raw;
    if (numeric) {
      var n = parseFloat(text);
      return isNaN(n) ? null : n;
    }
    return text.trim().toLocaleLowerCase();
  }

  function compare(a, b, numeric, dir) {
    if (a.key === null && b.key === null) return a.index - b.index;
    if (a.key === null) return 1; // unknown values last, whichever the direction
    if (b.key === null) return -1;
    var c = numeric ? a.key - b.key : a.key.localeCompare(b.key);
    return c === 0 ? a.index - b.index : c * dir;
  }

  function sortTable(table, col, th) {
    var numeric = th.getAttribute("data-type") === "num";
    var current = th.getAttribute("aria-sort");
    var dir = current ? (current === "ascending" ? -1 : 1) : numeric ? -1 : 1;
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return { row: row, index: index, key: sortKey(row.cells[col], numeric) };
    });
    rows.sort(function (a, b) { return compare(a, b, numeric, dir); });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }

  function matches(item, words) {
    var text = item.textContent.toLocaleLowerCase();
    return words.every(function (w) { return text.indexOf(w) !== -1; });
  }

  function wireFilter(box, items, groups) {
    var tools = box.querySelector(".tools");
    if (!tools) return;
    var input = tools.querySelector("input");
    var count = tools.querySelector(".count");
    tools.hidden = false;
    function apply() {
      var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        item.hidden = !matches(item, words);
        if (!item.hidden) shown++;
      });
      groups.forEach(function (group) {
        group.hidden = group.querySelector("[data-item]:not([hidden])") === null;
      });
      count.textContent = words.length ? shown + " of " + items.length + " shown" : "";
    }
    input.addEventListener("input", apply);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-table]"), function (box) {
    var table = box.querySelector("table");
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.querySelector("button").addEventListener("click", function () {
        sortTable(table, col, th);
      });
    });
    wireFilter(box, Array.prototype.slice.call(table.tBodies[0].rows), []);
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-cards]"), function (box) {
    var items = Array.prototype.slice.call(box.querySelectorAll("[data-item]"));
    var groups = Array.prototype.slice.call(box.querySelectorAll("[data-group]"));
    wireFilter(box, items, groups);
  });
})();
