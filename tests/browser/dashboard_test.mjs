// The dashboard in real headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core): the real build/hubbub on loopback, a real callback and
// topic server written here, and the page as a browser gets it.
//
//   node tests/browser/dashboard_test.mjs <path to hubbub> <output dir>
//
// Checks (issue 5, "Dashboard"): the page loads without console errors or
// failed requests; the public counts and the chart render; after a
// subscription is made through the hub endpoint (not the admin API), the page
// shows it once the admin token is given, with its delivery after a publish;
// the debugging forms work; the replay forms send notifications again; a
// wrong token is refused. Writes
// dashboard.png (and dashboard-failure.png when a step fails) to the output
// dir. Every wait is bounded. Exit code 0 only when every check passed.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [hubBinary, outputDir] = process.argv.slice(2);
if (!hubBinary || !outputDir) {
  console.error("usage: node dashboard_test.mjs <hubbub binary> <output dir>");
  process.exit(2);
}
mkdirSync(outputDir, { recursive: true });

const ADMIN_TOKEN = "dashboard-test-admin-token-0123456789";
const STEP_TIMEOUT_MS = 15000;
let failures = 0;

function check(condition, what) {
  console.log((condition ? "ok   " : "FAIL ") + what);
  if (!condition) failures += 1;
}

// --- a subscriber and a publisher's topic, on loopback ----------------------
const received = [];
let topicVersion = 0;
const peer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.searchParams.has("hub.challenge")) {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(url.searchParams.get("hub.challenge") ?? "");
    return;
  }
  if (req.method === "POST" && url.pathname.startsWith("/callback")) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: url.pathname, body: Buffer.concat(chunks).toString(), replay: req.headers["x-hub-replay"] });
      res.writeHead(204);
      res.end();
    });
    return;
  }
  if (req.method === "POST" && url.pathname === "/failing") {
    req.resume();
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end("callback broken on purpose");
    return;
  }
  if (req.method === "GET" && url.pathname === "/topic") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    topicVersion += 1;  // new content for every fetch: the hub skips unchanged content
    res.end("news from the topic, version " + topicVersion);
    return;
  }
  res.writeHead(404);
  res.end();
});
await new Promise((resolve) => peer.listen(0, "127.0.0.1", resolve));
const peerUrl = "http://127.0.0.1:" + peer.address().port;
const topic = peerUrl + "/topic";

// --- the hub ------------------------------------------------------------------
const workDir = mkdtempSync(join(tmpdir(), "hubbub-dashboard-"));
let hubOutput = "";
const hub = spawn(hubBinary, [
  "--listen", "127.0.0.1:0", "--database", join(workDir, "hub.db"), "--allow-private-networks",
  "--admin-token", ADMIN_TOKEN, "--log-level", "debug",
], { stdio: ["ignore", "pipe", "pipe"] });
hub.stdout.on("data", (d) => { hubOutput += d; });
hub.stderr.on("data", (d) => { hubOutput += d; });

async function waitFor(what, predicate, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await predicate();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("timed out waiting for " + what);
}

let browser;
let page;
try {
  const port = await waitFor("the hub to listen", () => hubOutput.match(/event=listening address=127\.0\.0\.1:(\d+)/)?.[1]);
  const hubUrl = "http://127.0.0.1:" + port + "/";

  // A subscription made through the hub endpoint, as any subscriber would.
  const form = (fields) => ({ method: "POST", body: new URLSearchParams(fields) });
  const subscribed = await fetch(hubUrl, form({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": peerUrl + "/callback" }));
  check(subscribed.status === 202, "subscribe through the hub endpoint answers 202");
  const monitor = subscribed.headers.get("location");
  await waitFor("the subscription to be verified", async () => (await (await fetch(monitor)).json()).state === "verified");
  const failing = await fetch(hubUrl, form({ "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": peerUrl + "/failing" }));
  check(failing.status === 202, "a second subscription (whose callback fails deliveries) answers 202");
  await waitFor("the failing subscription to be verified",
    async () => (await (await fetch(failing.headers.get("location"))).json()).state === "verified");
  const published = await fetch(hubUrl, form({ "hub.mode": "publish", "hub.url": topic }));
  check(published.status === 202, "publish answers 202");
  await waitFor("the delivery", () => received.length >= 1);

  // --- the page -----------------------------------------------------------
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const consoleErrors = [];
  // Chromium logs every non-2xx answer as a console error; the 401s of the
  // wrong-token step are expected, anything else is a fault.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().includes("status of 401")) consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  const failedRequests = [];
  page.on("requestfailed", (request) => failedRequests.push(request.url()));
  page.on("response", (response) => {
    // 401s are the wrong-token check below; anything else non-2xx is a fault.
    if (response.status() >= 400 && response.status() !== 401) failedRequests.push(response.status() + " " + response.url());
  });

  const response = await page.goto(hubUrl, { waitUntil: "load", timeout: STEP_TIMEOUT_MS });
  check(response.status() === 200, "GET / in a browser answers 200");
  check((response.headers()["content-type"] ?? "").startsWith("text/html"), "the page is text/html");
  check((response.headers()["content-security-policy"] ?? "").includes("script-src 'self'"), "the page has a strict Content-Security-Policy");
  check((await page.title()).includes("Hubbub"), "the page title names Hubbub");
  await page.waitForFunction(() => document.getElementById("count-subscriptions").textContent === "2", null, { timeout: STEP_TIMEOUT_MS });
  check(true, "the live count shows the 2 active subscriptions");
  check((await page.textContent("#hub-url")).includes("127.0.0.1:" + port), "the page shows the hub's URL");
  await page.waitForFunction(() => document.getElementById("count-delivered-hour").textContent !== "-" &&
    Number(document.getElementById("count-delivered-hour").textContent) >= 1, null, { timeout: STEP_TIMEOUT_MS });
  check(true, "the last hour's delivered count includes the delivery");
  check(await page.locator("#chart rect.ok").count() === 60, "the chart has a bar for each of the last 60 minutes");
  check(await page.locator("#details").isHidden(), "topics and subscriptions stay hidden without the admin token");

  // A wrong token is refused and reveals nothing.
  await page.fill("#token", "not-the-token-not-the-token");
  await page.click("#token-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("token-status").textContent.includes("refused"), null, { timeout: STEP_TIMEOUT_MS });
  check(await page.locator("#details").isHidden(), "a wrong admin token shows nothing");

  // The right token: the subscription made above, its delivery, the topic, the failure.
  await page.fill("#token", ADMIN_TOKEN);
  await page.click("#token-form button[type=submit]");
  await page.waitForSelector("#subscriptions tbody tr.clickable", { timeout: STEP_TIMEOUT_MS });
  const rows = await page.locator("#subscriptions tbody tr").allTextContents();
  const ours = rows.find((row) => row.includes(peerUrl + "/callback"));
  check(ours !== undefined, "the subscription view lists the subscription made through the hub endpoint");
  check(ours?.includes("active") && ours?.includes("delivered (204)"), "it shows the subscription active and its last delivery 204");
  check((await page.locator("#topics tbody").textContent()).includes(topic), "the topic view lists the topic");
  await page.waitForFunction((cb) => document.querySelector("#failures tbody").textContent.includes(cb), peerUrl + "/failing",
    { timeout: STEP_TIMEOUT_MS });
  check((await page.locator("#failures tbody").textContent()).includes("HTTP 500"), "recent failures show the failing callback's HTTP 500");
  const failingRow = (await page.locator("#subscriptions tbody tr").allTextContents()).find((r) => r.includes(peerUrl + "/failing"));
  check(failingRow?.includes("HTTP 500"), "the failing subscription shows its last error and a next retry");

  await page.locator("#subscriptions tbody tr", { hasText: peerUrl + "/callback" }).click();
  await page.waitForSelector("#subscription-detail:not([hidden]) #deliveries tbody tr", { timeout: STEP_TIMEOUT_MS });
  check((await page.locator("#deliveries tbody").textContent()).includes("delivered"), "a subscription's detail lists its deliveries");

  // Replays (issue 14): the subscription's last notification, then the whole
  // publish to its topic's subscribers, sent again with X-Hub-Replay.
  const toCallback = () => received.filter((r) => r.path === "/callback");
  const beforeReplay = toCallback().length;
  await page.fill("#replay-last", "1");
  await page.click("#replay-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("replay-result").textContent.includes("queued"), null,
    { timeout: STEP_TIMEOUT_MS });
  check((await page.textContent("#replay-result")) === "1 queued again", "the replay form queues the last notification again");
  await waitFor("the replayed delivery", () => toCallback().length > beforeReplay);
  check(toCallback().at(-1)?.replay === "true" && toCallback().at(-1)?.body === toCallback()[0].body,
    "the replay arrives with X-Hub-Replay: true and the same body");
  await page.fill("#replay-publish-id", published.headers.get("location"));
  await page.click("#replay-publish-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("replay-publish-result").textContent.includes("queued"), null,
    { timeout: STEP_TIMEOUT_MS });
  check((await page.textContent("#replay-publish-result")) === "2 queued again",
    "the publish replay form queues the publish again for both subscribers");
  await waitFor("the replayed publish", () => toCallback().length > beforeReplay + 1);
  check(toCallback().at(-1)?.replay === "true", "the replayed publish arrives with X-Hub-Replay: true");

  // The debugging forms go through the hub endpoint too.
  await page.fill("#sub-topic", topic);
  await page.fill("#sub-callback", peerUrl + "/callback2");
  await page.click("#subscribe-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("subscribe-result").textContent.includes("Now: verified"), null,
    { timeout: STEP_TIMEOUT_MS });
  check((await page.textContent("#subscribe-result")).includes("HTTP 202"), "the subscribe form gets 202 and follows the monitor to verified");
  await page.waitForFunction(() => document.getElementById("count-subscriptions").textContent === "3", null, { timeout: STEP_TIMEOUT_MS });
  check(true, "the count follows the new subscription");
  const before = received.length;
  await page.fill("#pub-topic", topic);
  await page.click("#publish-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("publish-result").textContent.includes("HTTP 202"), null, { timeout: STEP_TIMEOUT_MS });
  check(true, "the publish form gets 202");
  await waitFor("the form's publish to be delivered", () => received.length > before);
  check(received.length > before, "the form's publish reaches the subscriber");

  await page.screenshot({ path: join(outputDir, "dashboard.png"), fullPage: true });
  console.log("screenshot: " + join(outputDir, "dashboard.png"));
  check(consoleErrors.length === 0, "no console errors" + (consoleErrors.length ? ": " + consoleErrors.join(" | ") : ""));
  check(failedRequests.length === 0, "no failed requests" + (failedRequests.length ? ": " + failedRequests.join(" | ") : ""));
} catch (error) {
  failures += 1;
  console.log("FAIL " + (error.stack ?? error.message));  // the stack names the step's line
  if (page) {
    await page.screenshot({ path: join(outputDir, "dashboard-failure.png"), fullPage: true }).catch(() => {});
    console.log("screenshot: " + join(outputDir, "dashboard-failure.png"));
  }
  console.log("--- hub log ---\n" + hubOutput.split("\n").slice(-60).join("\n"));
} finally {
  if (browser) await browser.close();
  hub.kill("SIGTERM");
  await new Promise((resolve) => { hub.on("exit", resolve); setTimeout(resolve, 5000); });
  peer.close();
  rmSync(workDir, { recursive: true, force: true });
}
console.log(failures === 0 ? "dashboard: all checks passed" : "dashboard: " + failures + " check(s) failed");
process.exit(failures === 0 ? 0 : 1);
