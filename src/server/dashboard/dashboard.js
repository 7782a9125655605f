// Hubbub's dashboard: reads GET <base>/stats (public) and, with the admin
// token, GET <base>/admin/... (server/admin_api.h). No libraries, no build
// step. Every value from the hub is inserted as text, never as HTML.
"use strict";

const BASE = document.querySelector('meta[name="hubbub-base"]').content;
const REFRESH_MS = 5000;
const TOKEN_KEY = "hubbub-admin-token";
const SVG = "http://www.w3.org/2000/svg";

function $(id) { return document.getElementById(id); }

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) {
    node.append(child instanceof Node ? child : String(child ?? ""));
  }
  return node;
}

function when(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function fillTable(id, rows, columns, onClick) {
  const body = $(id).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const cell = el("td", { className: "empty", colSpan: $(id).tHead.rows[0].cells.length }, "none");
    body.append(el("tr", {}, cell));
    return;
  }
  for (const row of rows) {
    const tr = el("tr");
    for (const column of columns) {
      const value = column(row);
      tr.append(value instanceof Node && value.tagName === "TD" ? value : el("td", {}, value));
    }
    if (onClick) {
      tr.className = "clickable";
      tr.addEventListener("click", () => onClick(row));
    }
    body.append(tr);
  }
}

function stateCell(state) { return el("td", { className: "state-" + state }, state); }

// --- public figures ---------------------------------------------------------

async function refreshStats() {
  try {
    const response = await fetch(BASE + "/stats", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status + ": " + (await response.text()).trim());
    const stats = await response.json();
    $("stats-error").textContent = "";
    $("version").textContent = stats.version;
    $("hub-url").textContent = stats.hub_url;
    $("started").textContent = when(stats.started_at);
    const c = stats.counts;
    $("count-subscriptions").textContent = c.active_subscriptions;
    $("count-topics").textContent = c.active_topics;
    $("count-verifications").textContent = c.pending_verifications;
    $("count-fetches").textContent = c.pending_fetches;
    $("count-deliveries").textContent = c.pending_deliveries;
    $("count-dead").textContent = c.dead_letters;
    const sum = (key) => stats.activity.reduce((n, m) => n + m[key], 0);
    $("count-delivered-hour").textContent = sum("delivered");
    $("count-failed-hour").textContent = sum("failed");
    drawChart(stats.activity);
  } catch (e) {
    $("stats-error").textContent = "Cannot reach the hub: " + e.message;
  }
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(activity) {
  const chart = $("chart");
  const width = 600, height = 160, left = 34, bottom = 18, top = 8;
  const plotHeight = height - bottom - top;
  const max = Math.max(1, ...activity.map((m) => m.delivered + m.failed));
  const slot = (width - left - 4) / activity.length;
  const nodes = [];
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    nodes.push(svg("line", { x1: left, x2: width, y1: y, y2: y }));
    nodes.push(svg("text", { x: left - 4, y: y + 3, "text-anchor": "end" }, String(Math.round(max * fraction))));
  }
  activity.forEach((m, i) => {
    const x = left + i * slot + 1;
    const okHeight = (m.delivered / max) * plotHeight;
    const badHeight = (m.failed / max) * plotHeight;
    const label = new Date(m.minute).toLocaleTimeString() + ": " + m.delivered + " delivered, " + m.failed + " failed";
    const group = svg("g", {});
    group.append(svg("title", {}, label));
    group.append(svg("rect", { class: "ok", x: x, width: Math.max(1, slot - 2), y: top + plotHeight - okHeight, height: okHeight }));
    group.append(svg("rect", { class: "bad", x: x, width: Math.max(1, slot - 2), y: top + plotHeight - okHeight - badHeight, height: badHeight }));
    nodes.push(group);
  });
  nodes.push(svg("text", { x: left, y: height - 4 }, "-60 min"));
  nodes.push(svg("text", { x: width - 4, y: height - 4, "text-anchor": "end" }, "now"));
  chart.replaceChildren(...nodes);
}

// --- operator views (admin token) -------------------------------------------

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

async function admin(path, options) {
  const response = await fetch(BASE + "/admin/" + path, {
    cache: "no-store",
    ...options,
    headers: { Authorization: "Bearer " + token() },
  });
  if (response.status === 401) throw new Error("the admin token was refused");
  if (response.status === 404 && !path.includes("/")) throw new Error("the admin API is off (start the hub with --admin-token)");
  if (!response.ok) throw new Error("HTTP " + response.status + ": " + (await response.text()).trim());
  return response.status === 204 ? null : response.json();
}

let selectedSubscription = null;

async function refreshDetails() {
  if (!token()) {
    $("details").hidden = true;
    return;
  }
  try {
    const topic = $("filter-topic").value.trim();
    const host = $("filter-host").value.trim();
    const query = new URLSearchParams();
    if (topic) query.set("topic", topic);
    if (host) query.set("callback_host", host);
    const [failures, topics, subscriptions, dead] = await Promise.all([
      admin("failures?limit=50"),
      admin("topics"),
      admin("subscriptions?" + query),
      admin("dead-letters?limit=50"),
    ]);
    $("details").hidden = false;
    $("token-status").textContent = "Signed in.";
    $("token-status").className = "muted";
    fillTable("failures", failures.failures, [
      (f) => when(f.at), (f) => f.kind, (f) => f.outcome, (f) => f.topic, (f) => f.callback ?? "-",
      (f) => f.status ?? "-", (f) => f.reason,
    ]);
    fillTable("topics", topics.topics, [
      (t) => t.topic, (t) => t.subscribers, (t) => when(t.last_fetched_at), (t) => when(t.last_published_at),
    ]);
    fillTable("subscriptions", subscriptions.subscriptions, [
      (s) => s.id, (s) => s.topic, (s) => s.callback, (s) => stateCell(s.active ? "active" : "expired"),
      (s) => when(s.expires_at),
      (s) => s.last_delivery ? stateCell(s.last_delivery.state + (s.last_delivery.last_status ? " (" + s.last_delivery.last_status + ")" : "")) : "never",
      (s) => s.last_delivery?.last_error ?? "-",
      (s) => when(s.last_delivery?.next_attempt_at),
    ], (s) => showSubscription(s.id));
    fillTable("dead-letters", dead.dead_letters, [
      (d) => d.id, (d) => d.topic, (d) => d.callback, (d) => d.attempts, (d) => d.last_status ?? "-",
      (d) => d.last_error ?? "-", (d) => retryButton(d.id),
    ]);
    if (selectedSubscription !== null) await showSubscription(selectedSubscription);
  } catch (e) {
    $("details").hidden = true;
    $("token-status").textContent = e.message;
    $("token-status").className = "error";
  }
}

function retryButton(id) {
  const button = el("button", { type: "button" }, "Retry");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await admin("dead-letters/" + id + "/retry", { method: "POST" });
      await refreshDetails();
    } catch (e) {
      button.textContent = e.message;
    }
  });
  return el("td", {}, button);
}

async function showSubscription(id) {
  selectedSubscription = id;
  try {
    const s = await admin("subscriptions/" + id);
    $("detail-id").textContent = id + " (" + s.callback + ")";
    fillTable("deliveries", s.deliveries, [
      (d) => d.id, (d) => stateCell(d.state), (d) => d.attempts, (d) => d.last_status ?? "-", (d) => d.last_error ?? "-",
      (d) => when(d.next_attempt_at), (d) => when(d.updated_at),
    ]);
    $("subscription-detail").hidden = false;
  } catch (e) {
    selectedSubscription = null;
    $("subscription-detail").hidden = true;
  }
}

// Replays (admin API): the answer, or why not, shown as text.
async function replay(path, output) {
  output.textContent = "queuing...";
  try {
    const answer = await admin(path, { method: "POST" });
    output.textContent = answer.queued + " queued again";
    await refreshDetails();
  } catch (e) {
    output.textContent = e.message;
  }
}

// --- debugging forms --------------------------------------------------------

async function postForm(fields, output) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== "") body.set(k, v);
  output.textContent = "sending...";
  try {
    const response = await fetch(BASE + "/", { method: "POST", body });
    const location = response.headers.get("Location");
    let answer = await response.text();
    try { answer = JSON.stringify(JSON.parse(answer), null, 2); } catch (e) { /* text/plain: shown as it is */ }
    const text = "HTTP " + response.status + (location ? "\nLocation: " + location : "") + "\n" + answer;
    output.textContent = text;
    if (response.status === 202 && location && location.includes("/requests/")) {
      await followMonitor(location, output, text);
    }
  } catch (e) {
    output.textContent = "failed: " + e.message;
  }
}

// Polls a subscription request's status monitor until it is settled (at most a minute).
async function followMonitor(location, output, prefix) {
  for (let i = 0; i < 30; ++i) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const response = await fetch(location, { cache: "no-store" });
    if (!response.ok) return;
    const status = await response.json();
    output.textContent = prefix + "\nNow: " + status.state + (status.last_error ? " (" + status.last_error + ")" : "");
    if (status.state !== "pending") return;
  }
}

function start() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    refreshDetails();
  });
  $("forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token-status").textContent = "These views need the hub's admin token (--admin-token).";
    $("token-status").className = "muted";
    refreshDetails();
  });
  $("filter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshDetails();
  });
  $("replay-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (selectedSubscription === null) return;
    const since = $("replay-since").value;
    const last = $("replay-last").value;
    const query = new URLSearchParams();
    if (since) query.set("since", new Date(since).toISOString());
    else if (last) query.set("last", last);
    else {
      $("replay-result").textContent = "give a time or a number";
      return;
    }
    replay("subscriptions/" + selectedSubscription + "/replay?" + query, $("replay-result"));
  });
  $("replay-publish-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("replay-publish-id").value.trim().split("/").pop();
    replay("publishes/" + encodeURIComponent(id) + "/replay", $("replay-publish-result"));
  });
  $("subscribe-form").addEventListener("submit", (event) => {
    event.preventDefault();
    postForm({
      "hub.mode": $("sub-mode").value,
      "hub.topic": $("sub-topic").value,
      "hub.callback": $("sub-callback").value,
      "hub.lease_seconds": $("sub-lease").value,
      "hub.secret": $("sub-secret").value,
    }, $("subscribe-result"));
  });
  $("publish-form").addEventListener("submit", (event) => {
    event.preventDefault();
    postForm({ "hub.mode": "publish", "hub.url": $("pub-topic").value }, $("publish-result"));
  });
  refreshStats();
  refreshDetails();
  setInterval(() => { refreshStats(); refreshDetails(); }, REFRESH_MS);
}

start();
