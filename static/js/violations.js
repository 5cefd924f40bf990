/* OpenSPC violation lists (a chart's open-violations panel and /violations/): selection,
 * "select all" on the page, the acknowledge dialog, and acknowledged rows leaving an open
 * list ([data-open-list]) at once. Loaded by the templates that show such a list; the
 * panel's partial is swapped in again on refresh, so the handlers are installed once.
 */
(function () {
  "use strict";
  if (window.OpenSPCViolations) { return; }
  window.OpenSPCViolations = true;

  function boxes(scope) {
    return Array.prototype.slice.call((scope || document).querySelectorAll("input[name='violation_ids']"));
  }

  /* "Acknowledge selected" is enabled only while something is selected. */
  function refresh() {
    var chosen = boxes().filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-ack-selected]").forEach(function (button) {
      button.disabled = chosen === 0;
      button.textContent = chosen ? "Acknowledge selected (" + chosen + ")" : "Acknowledge selected";
    });
    document.querySelectorAll("[data-ack-hint]").forEach(function (hint) { hint.hidden = chosen > 0; });
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      var list = boxes(all.closest("[data-open-list], section, form") || document);
      all.checked = list.length > 0 && list.every(function (box) { return box.checked; });
    });
  }

  /* A panel's open count follows its rows: new episodes pushed live add to it (the first
     page keeps its size; older rows move to the next page), acknowledged ones leave. */
  function recount(list) {
    var panel = list.closest("[data-open-list]");
    var count = panel && panel.querySelector("[data-open-count][data-total]");
    var rows = list.querySelectorAll("li.violation").length;
    if (count) {
      var total = Math.max(0, parseInt(count.dataset.total, 10) + rows - parseInt(list.dataset.rows || "0", 10));
      count.dataset.total = String(total);
      count.textContent = "(" + total + ")";
    }
    var size = parseInt(list.dataset.pageSize || "0", 10);
    var shown = list.querySelectorAll("li.violation");
    for (var i = size; size && i < shown.length; i += 1) { shown[i].remove(); }
    list.dataset.rows = String(list.querySelectorAll("li.violation").length);
  }

  /* Rows whose acknowledgement was swapped in leave an open list. */
  function sweep() {
    document.querySelectorAll("[data-open-list] li.violation").forEach(function (row) {
      if (row.querySelector(".ack .badge")) { row.remove(); }
    });
    document.querySelectorAll("[data-open-list] .violation-list[data-rows]").forEach(recount);
    refresh();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      boxes(target.closest("[data-open-list], section, form") || document).forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.name === "violation_ids" || (target.matches && target.matches("[data-select-all]"))) {
      refresh();
    }
  });

  document.addEventListener("click", function (event) {
    var ackOne = event.target.closest && event.target.closest("[data-ack-one]");
    if (!ackOne) { return; }
    boxes().forEach(function (box) { box.checked = box.value === ackOne.dataset.ackOne; });
    refresh();
    var dialog = document.getElementById("ack-dialog");
    if (dialog) { dialog.showModal(); }
  });

  document.addEventListener("ack-done", function () {
    var dialog = document.getElementById("ack-dialog");
    if (dialog && dialog.open) { dialog.close(); }
    boxes().forEach(function (box) { box.checked = false; });
    setTimeout(sweep, 0);  // after htmx has swapped the acknowledged cells
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.target;
    if (!target || !target.classList) { return; }
    if (target.classList.contains("ack")) { sweep(); }
  });

  function observeLists() {
    document.querySelectorAll(".violation-list[data-rows]").forEach(function (list) {
      if (list._openspcObserved) { return; }
      list._openspcObserved = true;
      new MutationObserver(function () { recount(list); refresh(); }).observe(list, { childList: true });
    });
  }
  document.addEventListener("htmx:afterSettle", function () { observeLists(); refresh(); });
  observeLists();
  refresh();
})();
