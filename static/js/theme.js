/* Dark/light theme: follows the system (prefers-color-scheme) until the toggle picks one,
   which is remembered in localStorage. Loaded in <head> so the page never flashes. */
(function () {
  "use strict";
  var KEY = "openspc-theme";
  var root = document.documentElement;
  try {
    var saved = window.localStorage.getItem(KEY);
    if (saved === "dark" || saved === "light") { root.dataset.theme = saved; }
  } catch (e) { /* storage blocked: follow the system */ }

  function isDark() {
    if (root.dataset.theme) { return root.dataset.theme === "dark"; }
    return window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) { return; }
    var next = isDark() ? "light" : "dark";
    root.dataset.theme = next;
    try { window.localStorage.setItem(KEY, next); } catch (e) { /* not remembered */ }
    document.dispatchEvent(new CustomEvent("openspc:theme", { detail: { theme: next } }));
  });

  window.OpenSPCTheme = { isDark: isDark };
})();
