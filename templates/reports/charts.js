// Draws every Plotly figure on a report page: <div data-figure="ID"> takes its figure
// from the json_script element with that id. No inline scripts on the pages.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, {responsive: true, displaylogo: false});
  });
});
