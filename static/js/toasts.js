/* OpenSPC toasts: the live socket (live.js) appends one per new violation to #toasts
 * (base.html); this keeps them few and out of the way.
 */
(function () {
  "use strict";

  /* One summary per characteristic ("Shaft OD: 5 new violations", updated in place), at
     most MAX_TOASTS (the oldest goes), each fading out after its life. The region is
     aria-live="polite" and a summary's detail line is aria-hidden: a reader hears the
     count, not every violation. */
  var MAX_TOASTS = 3;
  function fadeLater(toast) {
    clearTimeout(toast._fade);
    toast.classList.remove("fading");
    toast._fade = setTimeout(function () {
      toast.classList.add("fading");
      setTimeout(function () { toast.remove(); }, 600);
    }, toast.dataset.severity === "CRITICAL" ? 30000 : 10000);
  }

  function mergeToast(region, node) {
    var same = null;
    region.querySelectorAll(".toast").forEach(function (t) {
      if (t !== node && node.dataset.char && t.dataset.char === node.dataset.char) { same = t; }
    });
    if (!same) { fadeLater(node); return; }
    var count = parseInt(same.dataset.count, 10) + parseInt(node.dataset.count || "1", 10);
    same.dataset.count = String(count);
    same.querySelector("[data-toast-count]").textContent = count + " new violations";
    same.querySelector("[data-toast-latest]").innerHTML = node.querySelector("[data-toast-latest]").innerHTML;
    if (node.dataset.severity === "CRITICAL") { same.dataset.severity = "CRITICAL"; }
    node.remove();
    fadeLater(same);
  }

  function watchToasts() {
    var region = document.getElementById("toasts");
    if (!region) { return; }
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.classList.contains("toast")) { mergeToast(region, node); }
        });
      });
      var shown = region.querySelectorAll(".toast");
      for (var i = 0; i < shown.length - MAX_TOASTS; i += 1) { shown[i].remove(); }
    }).observe(region, { childList: true });
  }


  watchToasts();
})();
