// A report sent from the page while the server is under a flood (tests/e2e_admission.rs):
//   node report-under-load.mjs <base url> <marker>
// On a phone-sized screen with JavaScript: fills the form, sends it, and records what the
// progress line said while the page solved the admission puzzle in its Web Worker.
// Prints one JSON object: {sent, progress, status, difficulty}.
import { launch, phone } from "./harness.mjs";

const [base, marker] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext(phone);
const page = await context.newPage();
let difficulty = null;
page.on("response", async (r) => {
  if (r.url().includes("/v1/puzzle")) difficulty = (await r.json()).difficulty;
});
await page.goto(base + "/fr/report");
await page.fill("#date", "2026-11-20");
await page.selectOption("#severity", "risky");
await page.check("input[name=category][value=theft_or_non_payment]");
await page.fill("#narrative", marker);
// Every text the progress line takes, as the page sets it (a puzzle solved in a few
// hundred milliseconds would slip between two polls).
const progress = new Set();
await page.exposeFunction("recordProgress", (line) => progress.add(line));
await page.evaluate(() => {
  const record = () => {
    const line = document.querySelector("#form-progress")?.textContent?.trim();
    if (line) window.recordProgress(line);
  };
  new MutationObserver(record).observe(document.body, {
    childList: true,
    characterData: true,
    subtree: true,
  });
});
await page.click("button[type=submit]");
let sent = false;
for (let i = 0; i < 600 && !sent; i++) {
  sent = page.url().includes("/fr/r/ok");
  if (!sent) await page.waitForTimeout(200);
}
const status = sent ? null : await page.textContent("#form-status");
console.log(JSON.stringify({ sent, progress: [...progress], status, difficulty }));
await browser.close();
