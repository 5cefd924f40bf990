/* The characteristic admin's rule presets: choosing a preset (Nelson, Western Electric,
   AIAG, Juran, Montgomery) sets the primary rule grid at once to exactly what the preset
   stores (switch, severity, run length, count, sigma; a blank parameter is Nelson's), so
   what the engineer sees is what Save stores. The R/S/MR switches are left as they are.
   The presets come from the select's data-presets (spc/admin/forms.py PRESETS). */
(function () {
  "use strict";
  var PARAMETERS = ["length", "count", "sigma"];
  function apply(select) {
    var preset = JSON.parse(select.dataset.presets || "{}")[select.value];
    if (!preset) { return; }
    for (var i = 1; i <= 8; i++) {
      var spec = preset[String(i)];
      var box = document.getElementById("id_rule_" + i + "_enabled");
      var severity = document.getElementById("id_rule_" + i + "_severity");
      if (box) { box.checked = Boolean(spec); }
      if (severity && spec) { severity.value = spec.severity; }
      PARAMETERS.forEach(function (name) {
        var input = document.getElementById("id_rule_" + i + "_" + name);
        if (input) {
          input.value = spec && spec[name] !== undefined ? String(spec[name]) : "";
        }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_rule_preset");
    if (select) { select.addEventListener("change", function () { apply(select); }); }
  });
})();
