/* OpenSPC live pages: the WebSocket client, Plotly glue and dialogs (toasts: toasts.js).
 *
 * The server renders everything. Over the socket it sends HTML fragments whose roots carry
 * hx-swap-oob; htmx swaps them by id (htmx.swap with swapStyle "none" applies only the
 * out-of-band parts). JSON frames are control messages (pong). The client
 *  - reconnects with exponential backoff and jitter, and pings every 20 s, the heartbeat N
 *    (a missing pong closes the socket; the server closes one silent for 2.5 N);
 *  - on every (re)connect sends the newest sample id it has seen, and the server replays
 *    what it missed; panels that listen for "live:reconnected" re-fetch themselves;
 *  - drops fragments whose target is not on this page (no console errors);
 *  - appends a new chart point with Plotly.extendTraces from the chart-point element.
 * No inline scripts: configuration comes from data- attributes and json_script blocks.
 */
(function () {
  "use strict";

  var PING_EVERY_MS = 20000;
  var PONG_TIMEOUT_MS = 10000;
  var MAX_BACKOFF_MS = 30000;
  var SPARK_POINTS = 30;
  var body = document.body;

  /* ---------------------------------------------------------------- live socket */
  var live = {
    socket: null, attempts: 0, lastSample: 0, pingTimer: null, pongTimer: null, retryTimer: null,
    everOpened: false, stopped: false,
  };

  function setStatus(status) {
    var el = document.getElementById("live-status");
    if (el) { el.dataset.status = status; el.title = "Live updates: " + status; }
    body.dataset.liveStatus = status;
  }

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var params = body.dataset.liveParams || "";
    return scheme + window.location.host + body.dataset.liveUrl + (params ? "?" + params : "");
  }

  function noteSample(id) {
    var n = parseInt(id, 10);
    if (n > live.lastSample) { live.lastSample = n; body.dataset.lastSample = String(n); }
  }

  function send(message) {
    if (live.socket && live.socket.readyState === WebSocket.OPEN) {
      live.socket.send(JSON.stringify(message));
    }
  }

  function heartbeat() {
    send({ type: "ping" });
    clearTimeout(live.pongTimer);
    live.pongTimer = setTimeout(function () {
      if (live.socket) { live.socket.close(); }
    }, PONG_TIMEOUT_MS);
  }

  function connect() {
    clearTimeout(live.retryTimer);
    if (live.stopped) { return; }
    if (live.socket && live.socket.readyState <= WebSocket.OPEN) { return; }
    setStatus("connecting");
    var socket = new WebSocket(socketUrl());
    live.socket = socket;
    socket.addEventListener("open", function () {
      var reconnect = live.everOpened;
      live.everOpened = true;
      live.attempts = 0;
      setStatus("open");
      send({ type: "catch_up", last_sample_id: live.lastSample });
      clearInterval(live.pingTimer);
      live.pingTimer = setInterval(heartbeat, PING_EVERY_MS);
      if (reconnect) { htmx.trigger(body, "live:reconnected"); }
    });
    socket.addEventListener("message", function (event) {
      var text = String(event.data);
      if (text.charAt(0) === "{") {
        var message = JSON.parse(text);
        if (message.type === "pong") { clearTimeout(live.pongTimer); }
        if (message.type === "refused") { showNotice(message.message); }
        return;
      }
      applyFragment(text);
    });
    socket.addEventListener("close", function (event) {
      clearInterval(live.pingTimer);
      clearTimeout(live.pongTimer);
      if (live.socket !== socket) { return; }
      live.socket = null;
      if (event.code === 4401 || event.code === 4403 || event.code === 4429) {
        live.stopped = true;
        setStatus("off");
        return;
      }
      setStatus("connecting");
      var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, live.attempts));
      live.attempts += 1;
      live.retryTimer = setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    });
  }

  /* The server refused this page (too many live pages of one user): say so on the page. */
  function showNotice(text) {
    var notice = document.getElementById("live-notice") || document.createElement("p");
    notice.id = "live-notice";
    notice.className = "alert alert-warning live-notice";
    notice.setAttribute("role", "alert");
    notice.textContent = text;
    var main = document.querySelector("main") || body;
    if (!notice.parentNode) { main.insertBefore(notice, main.firstChild); }
  }

  window.addEventListener("online", function () {
    if (body.dataset.liveUrl) { connect(); }
  });

  /* ------------------------------------------------------------- fragment swaps */
  function oobTarget(el) {
    var spec = el.getAttribute("hx-swap-oob") || "true";
    var colon = spec.indexOf(":");
    if (colon > 0) { return spec.substring(colon + 1); }
    return "#" + CSS.escape(el.id);
  }

  function applyFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var roots = Array.prototype.slice.call(template.content.children);
    var sparks = {};
    roots.forEach(function (el) {
      if (!el.hasAttribute("hx-swap-oob") || !document.querySelector(oobTarget(el))) {
        el.remove();
        return;
      }
      el.querySelectorAll("[data-sample-id]").forEach(function (n) { noteSample(n.dataset.sampleId); });
      if (el.dataset.sampleId) { noteSample(el.dataset.sampleId); }
      var newSpark = el.querySelector("svg.spark");
      if (newSpark) { sparks[newSpark.id] = carrySpark(newSpark, el.dataset.value); }
    });
    if (!template.content.children.length) { return; }
    htmx.swap(body, template.innerHTML, { swapStyle: "none" });
    Object.keys(sparks).forEach(function (id) {
      var svg = document.getElementById(id);
      if (svg) { drawSpark(svg, sparks[id]); }
    });
  }

  /* Keep a live card's sparkline: the server renders the card from the event alone, so the
     history comes from the card being replaced (its polyline, mapped back through the
     series' low and high) plus the new value. */
  function sparkValues(svg) {
    var low = parseFloat(svg.dataset.low), high = parseFloat(svg.dataset.high);
    var line = svg.querySelector("polyline");
    var raw = line ? (line.getAttribute("points") || "").trim() : "";
    if (!raw || !isFinite(low) || !isFinite(high)) { return []; }
    var height = svg.viewBox.baseVal.height || 64, pad = 2, span = high - low;
    return raw.split(/\s+/).map(function (pair) {
      var y = parseFloat(pair.split(",")[1]);
      return span ? high - (y - pad) * span / (height - 2 * pad) : low;
    });
  }

  function carrySpark(newSpark, value) {
    var old = document.getElementById(newSpark.id);
    var values = old ? sparkValues(old) : [];
    var number = parseFloat(value);
    if ((!old || old.dataset.lastSample !== newSpark.dataset.lastSample) && isFinite(number)) {
      values.push(number);
    }
    return values.slice(-SPARK_POINTS);
  }

  function drawSpark(svg, values) {
    var line = svg.querySelector("polyline");
    if (!line || !values.length) { return; }
    var box = svg.viewBox.baseVal, width = box.width || 240, height = box.height || 64, pad = 2;
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values), span = high - low;
    var step = (width - 2 * pad) / Math.max(values.length - 1, 1);
    line.setAttribute("points", values.map(function (v, i) {
      var y = span ? pad + (high - v) * (height - 2 * pad) / span : height / 2;
      return Math.floor(pad + step * i) + "," + Math.floor(y);
    }).join(" "));
    svg.dataset.low = String(low);
    svg.dataset.high = String(high);
  }

  /* ------------------------------------------------------------------- charts */
  function themedLayout(layout) {
    var style = getComputedStyle(body);
    var fg = style.getPropertyValue("color");
    var grid = style.getPropertyValue("--border").trim() || "#d0d7de";
    layout.font = { color: fg, size: 14 };
    ["xaxis", "yaxis", "xaxis2", "yaxis2"].forEach(function (axis) {
      if (layout[axis]) { layout[axis].gridcolor = grid; layout[axis].linecolor = grid; }
    });
    return layout;
  }

  /* On a sequence axis (the default) a live point goes to the next position after the
     newest one, and the axis scrolls with it; its time becomes a tick label where the
     labels' spacing calls for one. */
  function placeInSequence(chart, extension) {
    var value = null;
    chart.data.forEach(function (trace) { if (trace.uid === "value") { value = trace; } });
    var xs = value ? value.x : [];
    var next = xs.length ? Number(xs[xs.length - 1]) + 1 : 1;
    var time = extension.value ? String(extension.value.x[0]) : "";
    Object.keys(extension).forEach(function (uid) { extension[uid].x = [next]; });
    return { next: next, label: time.substring(11, 16) };
  }

  function scrollSequence(chart, placed, maxPoints) {
    var update = { "xaxis.range": [Math.max(0.5, placed.next - maxPoints + 0.5), placed.next + 0.5] };
    ["xaxis", "xaxis2"].forEach(function (name) {
      var axis = chart.layout[name];
      if (!axis) { return; }
      var values = (axis.tickvals || []).slice(), texts = (axis.ticktext || []).slice();
      var step = values.length > 1 ? values[1] - values[0] : 1;
      if (!values.length || placed.next - values[values.length - 1] >= step) {
        values.push(placed.next);
        texts.push(placed.label);
        update[name + ".tickvals"] = values;
        update[name + ".ticktext"] = texts;
      }
    });
    Plotly.relayout(chart, update);
  }

  function extendChart(chart, extension) {
    var maxPoints = parseInt(chart.dataset.maxPoints || "500", 10);
    var sequence = chart.dataset.axis !== "time";
    var placed = sequence ? placeInSequence(chart, extension) : null;
    Object.keys(extension).forEach(function (uid) {
      var index = -1;
      chart.data.forEach(function (trace, i) { if (trace.uid === uid) { index = i; } });
      if (index < 0) { return; }
      var update = {};
      Object.keys(extension[uid]).forEach(function (key) { update[key] = [extension[uid][key]]; });
      Plotly.extendTraces(chart, update, [index], uid === "pulse" ? 10 : maxPoints);
    });
    if (placed) { scrollSequence(chart, placed, maxPoints); }
  }

  function reloadChart(chart) {
    chart.classList.add("htmx-request");
    fetch(chart.dataset.figureUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (figure) {
        Plotly.react(chart, figure.data, themedLayout(figure.layout), chart._openspcConfig);
      })
      .finally(function () { chart.classList.remove("htmx-request"); });
  }

  function watchFeed(chart) {
    var feed = document.getElementById(chart.dataset.feed);
    if (!feed) { return; }
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) { return; }
          if (node.classList.contains("chart-point")) {
            noteSample(node.dataset.sampleId);
            if (chart.dataset.live === "true") {
              extendChart(chart, JSON.parse(node.dataset.extension));
              chart.dataset.points = String(parseInt(chart.dataset.points || "0", 10) + 1);
            }
          } else if (node.classList.contains("chart-reload")) {
            reloadChart(chart);
            htmx.trigger(body, "live:refresh");
          }
          node.remove();
        });
      });
    }).observe(feed, { childList: true });
  }

  function openSample(chart, sampleId) {
    var url = chart.dataset.sampleUrl.replace("/0/", "/" + sampleId + "/");
    htmx.ajax("GET", url, { target: "#sample-detail", swap: "innerHTML" }).then(function () {
      var dialog = document.getElementById("sample-dialog");
      if (dialog && !dialog.open) { dialog.showModal(); }
    });
  }

  function initChart(chart) {
    if (chart._openspcReady) { return; }
    chart._openspcReady = true;
    var figure = JSON.parse(document.getElementById(chart.dataset.figure).textContent);
    chart._openspcConfig = {
      responsive: true, displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    };
    Plotly.newPlot(chart, figure.data, themedLayout(figure.layout), chart._openspcConfig).then(function () {
      chart.dataset.ready = "true";
      chart.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (point && point.customdata) { openSample(chart, point.customdata); }
      });
    });
    watchFeed(chart);
  }

  document.addEventListener("openspc:theme", function () {
    document.querySelectorAll("[data-chart]").forEach(function (chart) {
      if (chart.data) { Plotly.relayout(chart, themedLayout({ xaxis: chart.layout.xaxis, yaxis: chart.layout.yaxis })); }
    });
  });

  /* ----------------------------------------------------------- dialogs, forms */
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    var opener = target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.openDialog);
      if (dialog) { dialog.showModal(); }
      return;
    }
    var closer = target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); return; }
    var dismiss = target.closest("[data-dismiss-toast]");
    if (dismiss) { dismiss.closest(".toast").remove(); }
  });

  document.addEventListener("entry-stored", function () {
    var form = document.getElementById("entry-form");
    if (!form) { return; }
    form.querySelectorAll("input[data-measurement], input[data-count]").forEach(function (input) {
      input.value = "";
      input.classList.remove("out-of-spec");
    });
    var warning = document.getElementById("spec-warning");
    if (warning) { warning.innerHTML = ""; }
    var first = form.querySelector("input[data-measurement], input[data-count]");
    if (first) { first.focus(); }
  });

  /* Mark the inputs the server's spec check found outside the spec limits. */
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "spec-warning") { return; }
    var flagged = event.target.querySelector("[data-out-of-spec]");
    var positions = flagged ? flagged.dataset.outOfSpec.split(",") : [];
    document.querySelectorAll("#entry-form input[data-measurement]").forEach(function (input) {
      input.classList.toggle("out-of-spec", positions.indexOf(input.dataset.measurement) >= 0);
    });
  });

  /* ----------------------------------------------------------- "ago" labels */
  /* "3 min ago" labels stay current without a reload. */
  function ago(iso) {
    var seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 60) { return "just now"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min ago"; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + " h ago"; }
    return Math.floor(seconds / 86400) + " d ago";
  }

  function refreshAgo(root) {
    (root || document).querySelectorAll("time[data-ago]").forEach(function (el) {
      el.textContent = ago(el.getAttribute("datetime"));
    });
  }

  /* -------------------------------------------------------------------- start */
  htmx.onLoad(function (root) {
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-chart]").forEach(initChart);
      refreshAgo(root);
    }
  });
  live.lastSample = parseInt(body.dataset.lastSample || "0", 10) || 0;
  setInterval(refreshAgo, 30000);
  if (body.dataset.liveUrl) { connect(); }
  window.OpenSPCLive = live;
})();
