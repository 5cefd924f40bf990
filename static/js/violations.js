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

  /* Rows whose acknowledgement was swapped in leave an open list. */
  function sweep() {
    document.querySelectorAll("[data-open-list] li.violation").forEach(function (row) {
      if (row.querySelector(".ack .badge")) { row.remove(); }
    });
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
    if (event.target && event.target.classList && event.target.classList.contains("ack")) { sweep(); }
  });
  document.addEventListener("htmx:afterSettle", refresh);
  refresh();
})();
