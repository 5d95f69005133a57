import { VIEW_PAGE_SCRIPT } from "./page-script.js";

const STYLE = `
:root { --bg: #f7f7f4; --panel: #fff; --ink: #1d232a; --muted: #6b7280; --line: #d9dbd6;
  --alive: #2f855a; --dead: #c53030; --left: #b7791f; --seed: #6b46c1; --peer: #2b6cb0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  background: var(--bg); color: var(--ink); }
header { display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap;
  padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 18px; margin: 0; }
#status { color: var(--muted); }
#connection { margin-left: auto; font-size: 12px; color: var(--muted); }
#connection[data-connected="true"]::before { content: "● "; color: var(--alive); }
#connection[data-connected="false"]::before { content: "● "; color: var(--dead); }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(300px, 2fr); gap: 12px;
  padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
  padding: 10px 12px; min-width: 0; }
section h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
#overlay-panel { grid-row: span 3; }
#overlay { width: 100%; height: auto; display: block; background: #fcfcfa; border-radius: 4px; }
#overlay line { stroke: #9aa5b1; stroke-width: 1.2; }
#overlay .peer circle { fill: var(--peer); stroke: #fff; stroke-width: 1.5; }
#overlay .seed rect { fill: var(--seed); stroke: #fff; stroke-width: 1.5; }
#overlay .seed[data-answering="false"] rect { fill: #fff; stroke: var(--seed); stroke-dasharray: 3 2; }
#overlay .peer[data-agreed="false"] circle { stroke: var(--left); stroke-width: 2.5; }
#overlay text { font-size: 10px; fill: var(--ink); pointer-events: none; }
.legend { font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
  vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eee; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; }
td.neighbours { white-space: normal; color: var(--muted); font-size: 12px; }
.status-alive { color: var(--alive); font-weight: 600; }
.status-dead { color: var(--dead); font-weight: 600; }
.status-left { color: var(--left); font-weight: 600; }
.yes { color: var(--alive); } .no { color: var(--dead); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; }
.badge.agree { background: #e6f4ea; color: var(--alive); }
.badge.disagree { background: #fdecea; color: var(--dead); }
#fit { font-size: 13px; margin: 6px 0 0; }
#fit[data-meaningful="false"] { color: var(--muted); font-style: italic; }
.plots { display: flex; gap: 8px; flex-wrap: wrap; }
.plots svg { background: #fcfcfa; border-radius: 4px; }
.plots rect.bar { fill: var(--peer); }
.plots circle { fill: var(--peer); }
.plots line.axis { stroke: #b8bcc2; stroke-width: 1; }
.plots line.fit { stroke: var(--dead); stroke-width: 1.5; stroke-dasharray: 4 3; }
.plots text { font-size: 9px; fill: var(--muted); }
#events { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow-y: auto;
  font-size: 12px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
#events li { padding: 2px 0; border-bottom: 1px dotted #eee; }
#events time { color: var(--muted); margin-right: 6px; }
#events li[data-event="dead-node"], #events li[data-event="member-removed"] { color: var(--dead); }
#events li[data-event="member-left"] { color: var(--left); }
#events li[data-event="member-joined"], #events li[data-event="member-rejoined"] { color: var(--alive); }
#members-panel { grid-column: 1 / -1; }
.empty { color: var(--muted); font-style: italic; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } #overlay-panel { grid-row: auto; } }
`;

/** The web view's one page: inline CSS and script, no external requests. */
export const VIEW_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>p2p network view</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>p2p network</h1>
  <span id="status">waiting for the first poll…</span>
  <span id="agreement" class="badge"></span>
  <span id="connection" data-connected="false">connecting</span>
</header>
<main>
  <section id="overlay-panel">
    <h2>Overlay</h2>
    <svg id="overlay" viewBox="0 0 800 560" role="img" aria-label="overlay graph"></svg>
    <div class="legend">
      <span><i class="swatch" style="background:var(--seed)"></i>seed</span>
      <span><i class="swatch" style="background:var(--peer);border-radius:5px"></i>peer (size by degree)</span>
      <span>orange ring: seeds disagree on it</span>
    </div>
  </section>
  <section id="seeds-panel">
    <h2>Seeds</h2>
    <table id="seeds"><thead><tr><th>seed</th><th>answered</th><th>agrees</th><th>members</th><th>alive</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="degrees-panel">
    <h2>Degree distribution</h2>
    <div class="plots">
      <svg id="histogram" width="220" height="140" role="img" aria-label="degree histogram"></svg>
      <svg id="ccdf" width="160" height="140" role="img" aria-label="log-log CCDF"></svg>
    </div>
    <p id="summary" class="empty"></p>
    <p id="fit" data-meaningful="false">no fit yet</p>
  </section>
  <section id="events-panel">
    <h2>Recent events</h2>
    <ul id="events"></ul>
  </section>
  <section id="members-panel">
    <h2>Members</h2>
    <table id="members"><thead><tr><th>address</th><th>status</th><th>incarnation</th><th>degree</th><th>seeds agree</th><th>neighbours</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>${VIEW_PAGE_SCRIPT}</script>
</body>
</html>
`;
