/* The characteristic admin's rule presets: choosing Nelson or Western Electric sets the
   rule grid at once to exactly what the preset stores (switch, severity, run length;
   a blank length is the Nelson default), so what the engineer sees is what Save stores.
   The presets come from the select's data-presets (spc/admin/forms.py PRESETS). */
(function () {
  "use strict";
  function apply(select) {
    var preset = JSON.parse(select.dataset.presets || "{}")[select.value];
    if (!preset) { return; }
    for (var i = 1; i <= 8; i++) {
      var spec = preset[String(i)];
      var box = document.getElementById("id_rule_" + i + "_enabled");
      var severity = document.getElementById("id_rule_" + i + "_severity");
      var length = document.getElementById("id_rule_" + i + "_length");
      if (box) { box.checked = Boolean(spec); }
      if (severity && spec) { severity.value = spec.severity; }
      if (length) { length.value = spec && spec.length ? String(spec.length) : ""; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_rule_preset");
    if (select) { select.addEventListener("change", function () { apply(select); }); }
  });
})();
