// Drives Debian's Chromium (playwright-core, no browser download) against a running
// jasmine-server on a phone-sized screen:
//   node run.mjs <base url> <screenshot folder>
// and prints one JSON object with what it saw, for tests/e2e_browser.rs to check.
import { mkdirSync } from "node:fs";
import { checks, launch, phone } from "./harness.mjs";

const [base, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const browser = await launch();
const { results, open: openPage, width, axe } = checks(base);

async function open(context, path) {
  const page = await openPage(context, path);
  await width(page, path);
  return page;
}

async function fillReport(page, marker) {
  await page.fill("#date", "2026-11-20");
  await page.selectOption("#setting", "hotel");
  await page.check("input[name=category][value=condom_removal]");
  await page.check("input[name=category][value=theft_or_non_payment]");
  await page.selectOption("#severity", "dangerous");
  await page.fill("#phones", "06 12 34 56 78");
  await page.fill("#narrative", marker);
  await page.check("input[name=consent]");
}

// 1. JavaScript on: the page encrypts, then sends the ciphertext.
{
  const context = await browser.newContext(phone);
  const page = await open(context, "/fr/report");
  results.js_note = await page.textContent("#path-note");
  await page.screenshot({ path: `${outDir}/report-form-fr.png` });
  await fillReport(page, "BROWSER-JS-MARKER Il a retiré le préservatif.");
  await Promise.all([page.waitForURL(/\/fr\/r\/ok/), page.click("button[type=submit]")]);
  results.js_path = await page.getAttribute("#encryption-path", "data-path");
  await context.close();
}

// 2. JavaScript off (Tor Browser "Safest"): a plain form post, encrypted by the server.
{
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const page = await open(context, "/en/report");
  await fillReport(page, "BROWSER-NOJS-MARKER He did not pay.");
  await Promise.all([page.waitForURL(/\/en\/r$/), page.click("button[type=submit]")]);
  results.nojs_path = await page.getAttribute("#encryption-path", "data-path");
  await context.close();
}

// 3. The alerts in French and in Arabic (right to left), with screenshots.
{
  const context = await browser.newContext(phone);
  const french = await open(context, "/fr/alerts");
  results.alerts_fr = await french.textContent("main");
  await french.screenshot({ path: `${outDir}/alerts-fr.png`, fullPage: true });
  const arabic = await open(context, "/ar/alerts");
  results.alerts_ar = await arabic.textContent("main");
  results.ar_direction = await arabic.evaluate(() => getComputedStyle(document.body).direction);
  await arabic.screenshot({ path: `${outDir}/alerts-ar.png`, fullPage: true });
  await context.close();
}

// 4. Accessibility: axe-core on the home, report, alerts and information pages.
{
  const context = await browser.newContext({ ...phone, bypassCSP: true });
  for (const path of ["/fr/", "/fr/report", "/fr/alerts", "/ar/alerts", "/zh/report", "/fr/info", "/ar/info/health", "/zh/info/after-sexual-assault", "/en/info?q=PrEP"]) {
    const page = await open(context, path);
    await axe(page, path);
  }
  await context.close();
}

await browser.close();
console.log(JSON.stringify(results));
