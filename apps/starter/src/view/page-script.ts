/**
 * The page's script (plain browser JavaScript, embedded as text): follows `/events`, renders
 * the tables, the degree plots and the events list, and lays the overlay out with a small
 * force simulation (repulsion between all nodes, springs along links, gravity to the centre;
 * seeds pinned along the top). Nodes keep their positions across updates.
 */
export const VIEW_PAGE_SCRIPT = `
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 800, HEIGHT = 560;
  var positions = new Map();
  var current = null;
  var shownEvents = new Set();

  function el(tag, attrs, text, ns) {
    var node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (var key in attrs) if (attrs[key] !== undefined) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) { return el(tag, attrs, text, true); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function port(address) { var i = address.lastIndexOf(":"); return address.slice(i + 1); }
  function radius(degree) { return 5 + 2.6 * Math.sqrt(degree); }
  function clock(ms) { return new Date(ms).toLocaleTimeString(); }

  function renderHeader(state) {
    var a = state.agreement;
    var alive = state.members.filter(function (m) { return m.status === "alive"; }).length;
    var text = alive + " alive peers, " + state.edges.length + " links; " + a.answered + " of " +
      a.total + " seeds answered; poll " + state.polls +
      (state.polledAtMs ? " at " + clock(state.polledAtMs) : "");
    if (state.network) text += "; profile " + state.network.profile;
    document.getElementById("status").textContent = text;
    var badge = document.getElementById("agreement");
    badge.textContent = a.isAgreed ? "seeds agree" : a.answered === 0 ? "no seed answered" :
      "seeds disagree" + (a.disagreements.length ? " on " + a.disagreements.join(", ") : "");
    badge.className = "badge " + (a.isAgreed ? "agree" : "disagree");
    badge.setAttribute("data-agreed", String(a.isAgreed));
  }

  function renderSeeds(state) {
    var body = document.querySelector("#seeds tbody");
    clear(body);
    state.seeds.forEach(function (s) {
      var row = el("tr", { "data-seed": s.address, "data-answering": s.isAnswering,
        "data-agreeing": s.isAgreeing });
      row.appendChild(el("td", {}, s.address));
      row.appendChild(el("td", { class: s.isAnswering ? "yes" : "no", title: s.error },
        s.isAnswering ? "yes" : "no (" + s.error + ")"));
      row.appendChild(el("td", { class: s.isAgreeing ? "yes" : "no" },
        s.isAnswering ? (s.isAgreeing ? "yes" : "no") : "–"));
      row.appendChild(el("td", {}, s.isAnswering ? String(s.memberCount) : "–"));
      row.appendChild(el("td", {}, s.isAnswering ? String(s.aliveCount) : "–"));
      body.appendChild(row);
    });
  }

  function renderMembers(state) {
    var body = document.querySelector("#members tbody");
    clear(body);
    if (state.members.length === 0) {
      var none = el("tr", {});
      none.appendChild(el("td", { colspan: 6, class: "empty" }, "no members yet"));
      body.appendChild(none);
    }
    state.members.forEach(function (m) {
      var row = el("tr", { "data-member": m.address, "data-status": m.status,
        "data-incarnation": m.incarnation, "data-degree": m.degree });
      row.appendChild(el("td", {}, m.address));
      row.appendChild(el("td", { class: "status-" + m.status }, m.status));
      row.appendChild(el("td", {}, String(m.incarnation)));
      row.appendChild(el("td", {}, String(m.degree)));
      row.appendChild(el("td", { class: m.isAgreed ? "yes" : "no" }, m.isAgreed ? "yes" : "no"));
      row.appendChild(el("td", { class: "neighbours" }, m.neighbours.join(", ") || "(none)"));
      body.appendChild(row);
    });
  }

  function renderDegrees(state) {
    var d = state.degrees;
    var hist = document.getElementById("histogram");
    clear(hist);
    var bins = d.histogram;
    var maxDegree = bins.reduce(function (m, b) { return Math.max(m, b.degree); }, 0);
    var maxCount = bins.reduce(function (m, b) { return Math.max(m, b.count); }, 1);
    var slot = 190 / (maxDegree + 1);
    bins.forEach(function (b) {
      var h = (b.count / maxCount) * 100;
      hist.appendChild(svg("rect", { class: "bar", x: 20 + b.degree * slot + 1, y: 115 - h,
        width: Math.max(slot - 2, 1), height: h, "data-degree": b.degree, "data-count": b.count },
        undefined)).appendChild(svg("title", {}, "degree " + b.degree + ": " + b.count));
      hist.appendChild(svg("text", { x: 20 + (b.degree + 0.5) * slot, y: 128,
        "text-anchor": "middle" }, String(b.degree)));
    });
    hist.appendChild(svg("line", { class: "axis", x1: 18, y1: 115.5, x2: 212, y2: 115.5 }));
    hist.appendChild(svg("text", { x: 4, y: 12 }, "peers per degree (tallest bar " + maxCount + ")"));
    var ccdf = document.getElementById("ccdf");
    clear(ccdf);
    ccdf.appendChild(svg("text", { x: 4, y: 12 }, "P(D ≥ d), log-log"));
    ccdf.appendChild(svg("line", { class: "axis", x1: 18.5, y1: 18, x2: 18.5, y2: 117 }));
    ccdf.appendChild(svg("line", { class: "axis", x1: 18, y1: 117.5, x2: 155, y2: 117.5 }));
    ccdf.appendChild(svg("text", { x: 18, y: 130 }, "1"));
    ccdf.appendChild(svg("text", { x: 150, y: 130, "text-anchor": "end" }, String(Math.max(maxDegree, 2))));
    var positive = bins.filter(function (b) { return b.degree > 0; });
    var total = positive.reduce(function (s, b) { return s + b.count; }, 0);
    if (total > 0) {
      var lx = function (v) { return 20 + (Math.log(v) / Math.log(Math.max(maxDegree, 2))) * 130; };
      var minFraction = 1 / total;
      var ly = function (f) { return 20 + (Math.log(f) / Math.log(Math.min(minFraction, 0.5))) * 95; };
      var remaining = total;
      positive.forEach(function (b) {
        ccdf.appendChild(svg("circle", { cx: lx(b.degree), cy: ly(remaining / total), r: 2.5 }));
        remaining -= b.count;
      });
      if (d.fit.isMeaningful) {
        var above = positive.filter(function (b) { return b.degree >= d.fit.xmin; })
          .reduce(function (s, b) { return s + b.count; }, 0);
        var f0 = above / total;
        var f1 = f0 * Math.pow(maxDegree / d.fit.xmin, 1 - d.fit.alpha);
        ccdf.appendChild(svg("line", { class: "fit", x1: lx(d.fit.xmin), y1: ly(f0),
          x2: lx(maxDegree), y2: ly(Math.max(f1, minFraction / 4)) }));
      }
    }
    var summary = document.getElementById("summary");
    summary.textContent = d.summary ? "degree: min " + d.summary.min + ", median " +
      d.summary.median + ", mean " + d.summary.mean.toFixed(2) + ", max " + d.summary.max : "";
    var fit = document.getElementById("fit");
    fit.textContent = d.fit.text;
    fit.setAttribute("data-meaningful", String(d.fit.isMeaningful));
  }

  function addEvent(event) {
    if (shownEvents.has(event.id)) return;
    shownEvents.add(event.id);
    var list = document.getElementById("events");
    var item = el("li", { "data-event": event.type, "data-address": event.address,
      "data-id": event.id });
    item.appendChild(el("time", {}, clock(event.atMs)));
    item.appendChild(document.createTextNode(event.text));
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
  }

  function overlayNodes(state) {
    var nodes = [];
    state.seeds.forEach(function (s, i) {
      nodes.push({ address: s.address, role: "seed", degree: 0, answering: s.isAnswering,
        pinX: ((i + 1) * WIDTH) / (state.seeds.length + 1), pinY: 34 });
    });
    state.members.forEach(function (m) {
      if (m.status === "alive") nodes.push({ address: m.address, role: "peer",
        degree: m.degree, agreed: m.isAgreed, incarnation: m.incarnation });
    });
    return nodes;
  }

  function renderOverlay(state) {
    var nodes = overlayNodes(state);
    var keep = new Set(nodes.map(function (n) { return n.address; }));
    positions.forEach(function (_, address) { if (!keep.has(address)) positions.delete(address); });
    nodes.forEach(function (n, i) {
      var p = positions.get(n.address);
      if (!p) {
        var angle = i * 2.399963;
        p = { x: WIDTH / 2 + Math.cos(angle) * 60 * Math.sqrt(i + 1),
          y: HEIGHT / 2 + 30 + Math.sin(angle) * 60 * Math.sqrt(i + 1), vx: 0, vy: 0 };
        positions.set(n.address, p);
      }
      p.node = n;
    });
    var root = document.getElementById("overlay");
    clear(root);
    var links = svg("g", { class: "links" });
    root.appendChild(links);
    state.edges.forEach(function (e) {
      links.appendChild(svg("line", { "data-edge": e[0] + " " + e[1] }));
    });
    var layer = svg("g", { class: "nodes" });
    root.appendChild(layer);
    nodes.forEach(function (n) {
      var g = svg("g", { class: n.role, "data-node": n.address, "data-role": n.role,
        "data-degree": n.degree, "data-answering": n.role === "seed" ? n.answering : undefined,
        "data-agreed": n.role === "peer" ? n.agreed : undefined });
      var title = n.role === "seed" ? "seed " + n.address + (n.answering ? "" : " (no answer)") :
        "peer " + n.address + ": degree " + n.degree + ", incarnation " + n.incarnation;
      if (n.role === "seed") g.appendChild(svg("rect", { x: -9, y: -9, width: 18, height: 18, rx: 3 }));
      else g.appendChild(svg("circle", { r: radius(n.degree) }));
      g.appendChild(svg("title", {}, title));
      g.appendChild(svg("text", { x: n.role === "seed" ? 12 : radius(n.degree) + 3, y: 4 },
        port(n.address)));
      layer.appendChild(g);
    });
    draw();
  }

  function step() {
    var list = [];
    positions.forEach(function (p) { list.push(p); });
    var byAddress = positions;
    for (var i = 0; i < list.length; i++) {
      var a = list[i];
      for (var j = i + 1; j < list.length; j++) {
        var b = list[j];
        var dx = a.x - b.x, dy = a.y - b.y;
        var d2 = dx * dx + dy * dy + 0.01;
        var force = 2200 / d2;
        var d = Math.sqrt(d2);
        a.vx += (dx / d) * force; a.vy += (dy / d) * force;
        b.vx -= (dx / d) * force; b.vy -= (dy / d) * force;
      }
    }
    if (current) current.edges.forEach(function (e) {
      var a = byAddress.get(e[0]), b = byAddress.get(e[1]);
      if (!a || !b) return;
      var dx = b.x - a.x, dy = b.y - a.y;
      var d = Math.sqrt(dx * dx + dy * dy) + 0.01;
      var pull = (d - 90) * 0.02;
      a.vx += (dx / d) * pull; a.vy += (dy / d) * pull;
      b.vx -= (dx / d) * pull; b.vy -= (dy / d) * pull;
    });
    list.forEach(function (p) {
      if (p.node && p.node.role === "seed") { p.x = p.node.pinX; p.y = p.node.pinY; p.vx = p.vy = 0; return; }
      p.vx += (WIDTH / 2 - p.x) * 0.004; p.vy += (HEIGHT / 2 + 30 - p.y) * 0.004;
      p.vx *= 0.6; p.vy *= 0.6;
      p.x = Math.min(WIDTH - 20, Math.max(20, p.x + Math.max(-20, Math.min(20, p.vx))));
      p.y = Math.min(HEIGHT - 20, Math.max(80, p.y + Math.max(-20, Math.min(20, p.vy))));
    });
  }

  function draw() {
    var root = document.getElementById("overlay");
    root.querySelectorAll("line[data-edge]").forEach(function (line) {
      var ends = line.getAttribute("data-edge").split(" ");
      var a = positions.get(ends[0]), b = positions.get(ends[1]);
      if (!a || !b) return;
      line.setAttribute("x1", a.x.toFixed(1)); line.setAttribute("y1", a.y.toFixed(1));
      line.setAttribute("x2", b.x.toFixed(1)); line.setAttribute("y2", b.y.toFixed(1));
    });
    root.querySelectorAll("g[data-node]").forEach(function (g) {
      var p = positions.get(g.getAttribute("data-node"));
      if (p) g.setAttribute("transform", "translate(" + p.x.toFixed(1) + "," + p.y.toFixed(1) + ")");
    });
  }

  function tick() {
    step();
    draw();
    window.requestAnimationFrame(tick);
  }

  function render(state) {
    current = state;
    renderHeader(state);
    renderSeeds(state);
    renderMembers(state);
    renderDegrees(state);
    renderOverlay(state);
    state.events.forEach(addEvent);
    document.body.setAttribute("data-version", String(state.version));
    document.body.setAttribute("data-polls", String(state.polls));
  }

  var connection = document.getElementById("connection");
  var source = new EventSource("/events");
  source.addEventListener("open", function () {
    connection.textContent = "live";
    connection.setAttribute("data-connected", "true");
  });
  source.addEventListener("error", function () {
    connection.textContent = "reconnecting…";
    connection.setAttribute("data-connected", "false");
  });
  source.addEventListener("state", function (message) { render(JSON.parse(message.data)); });
  source.addEventListener("event", function (message) { addEvent(JSON.parse(message.data)); });
  window.requestAnimationFrame(tick);
})();
`;
