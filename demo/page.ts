// The demo dashboard's index page (GET /): one self-contained HTML document, no external
// assets, that loads each JSON report and lets an operator change roll states the way
// pysystemtrade's templates/index.html and static/js/update.js do.

const REPORTS = [
  "capital",
  "rolls",
  "processes",
  "reconcile",
  "pandl",
  "risk",
  "costs",
  "liquidity",
  "trades",
  "forex",
];

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pysystemtrade dashboard (Rampart demo)</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
pre{background:#f6f6f6;padding:.5em;max-height:18em;overflow:auto}
.note{color:#666}.error{color:#b00}
</style>
</head>
<body>
<h1>pysystemtrade dashboard <span class="note">(synthetic demo data, served through Rampart)</span></h1>
<h2>Rolls</h2>
<table id="rolls"><thead><tr><th>Instrument</th><th>Status</th><th>Roll</th><th>Carry</th><th>Price</th>
<th>Priced</th><th>Forward</th><th>Rel. volume</th><th>Position</th><th>Change state</th></tr></thead><tbody></tbody></table>
<p id="roll-result" class="note"></p>
<div id="reports"></div>
<script>
"use strict";
const reports = ${JSON.stringify(REPORTS)};
function cell(text) { const td = document.createElement("td"); td.textContent = String(text); return td; }
async function loadRolls() {
  const body = document.querySelector("#rolls tbody");
  const res = await fetch("rolls");
  const data = await res.json();
  body.replaceChildren();
  for (const [code, r] of Object.entries(data)) {
    const tr = document.createElement("tr");
    for (const v of [code, r.status, r.roll_expiry, r.carry_expiry, r.price_expiry, r.contract_priced,
      r.contract_fwd, r.relative_volume_fwd, r.position_priced]) tr.append(cell(v));
    const actions = document.createElement("td");
    for (const state of r.allowable) {
      const b = document.createElement("button");
      b.textContent = state;
      b.onclick = () => changeRoll(code, state, false);
      actions.append(b);
    }
    tr.append(actions);
    body.append(tr);
  }
}
async function changeRoll(instrument, state, confirmed) {
  const out = document.getElementById("roll-result");
  const form = new URLSearchParams({ instrument, state, confirmed: String(confirmed) });
  const res = await fetch("rolls", { method: "POST", body: form });
  const data = await res.json();
  out.className = res.ok ? "note" : "error";
  if (res.ok && data.single) {
    out.textContent = "Proposed adjusted prices for " + instrument + ": " + JSON.stringify(data.single) + " ";
    const b = document.createElement("button");
    b.textContent = "Confirm " + state;
    b.onclick = () => changeRoll(instrument, state, true);
    out.append(b);
  } else {
    out.textContent = res.ok ? instrument + " is now " + data.new_state : JSON.stringify(data);
    await loadRolls();
  }
}
async function loadReports() {
  const root = document.getElementById("reports");
  for (const name of reports.filter((r) => r !== "rolls")) {
    const h = document.createElement("h2");
    h.textContent = "/" + name;
    const pre = document.createElement("pre");
    root.append(h, pre);
    const res = await fetch(name);
    pre.textContent = res.ok ? JSON.stringify(await res.json(), null, 2) : res.status + " " + res.statusText;
  }
}
loadRolls().then(loadReports);
</script>
</body>
</html>
`;
