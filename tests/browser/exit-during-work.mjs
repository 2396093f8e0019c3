// The quick exit while the page works (tests/e2e_browser.rs), on a phone-sized screen
// with the CPU slowed 4x like a cheap phone:
//   node exit-during-work.mjs <base url>
// She asks for a codename and sends; while the page derives it (Argon2id, 64 MiB, in a
// Web Worker) she taps "Sortie rapide". Records the order of events and the delay from
// the tap to the neutral page, and whether anything was sent. The exit site is answered
// by a stub (this machine has no Internet). Prints one JSON object.
import { launch, phone } from "./harness.mjs";

const [base] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext(phone);
const page = await context.newPage();
const events = [];
const t0 = Date.now();
const at = (what) => events.push({ what, ms: Date.now() - t0 });
await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
  route.fulfill({ status: 200, contentType: "text/html", body: "<title>Météo</title><p>Météo</p>" }),
);
page.on("request", (r) => {
  if (r.url().includes("/v1/reports") || r.url().includes("/v1/puzzle")) at("request " + r.method() + " " + new URL(r.url()).pathname);
});
page.on("framenavigated", (f) => {
  if (f === page.mainFrame()) at("navigated " + new URL(f.url()).host);
});
const cdp = await context.newCDPSession(page);
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
await page.goto(base + "/fr/report");
await page.fill("#date", "2026-11-20");
await page.selectOption("#severity", "risky");
await page.check("input[name=category][value=theft_or_non_payment]");
await page.fill("#narrative", "EXIT-DURING-WORK");
await page.check("input[name=follow_up][value=codename]");
await page.click("button[type=submit]");
await page.waitForSelector("#form-progress:not([hidden])");
at("working");
await page.waitForTimeout(300);
const tapped = Date.now();
at("tap exit");
await Promise.all([page.waitForURL((u) => !u.href.startsWith(base)), page.click("#quick-exit")]);
const delay = Date.now() - tapped;
at("left");
await page.waitForTimeout(5000); // long enough for the derivation to have finished
const back = await page.evaluate(() => history.length);
console.log(JSON.stringify({ events, delay_ms: delay, history_length: back, url: page.url() }));
await browser.close();
