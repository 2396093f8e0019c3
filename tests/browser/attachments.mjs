// A report with an image, from the page (docs/PROTOCOL.md §4.12), for
// tests/e2e_browser.rs, on a 360 px phone with the CPU slowed 4×:
//   node attachments.mjs <base url> <fixtures folder> <screenshot folder>
// In French, then in Arabic (right to left): fill the form, choose the fixture
// screenshot.png (written into the fixtures folder if it is not there: 720 x 1280, RGB,
// no metadata, see png.mjs), blur a rectangle with the keyboard (arrows, Shift, Alt,
// Enter; a second one taken back with Ctrl+Z), black out one with the mouse, send. The
// page scrubs, seals and posts one multipart body (`report`, then `attachments`).
// Prints one JSON object: for each language what was sent and the exact rectangles
// edited, in the image's pixels, in order ({tool, x, y, w, h}): outside them the image
// the moderator decrypts must be the fixture bit for bit (png.mjs checkEdits says how
// to check inside); plus the usual checks (requests elsewhere, width, axe, errors).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checks, launch, phone } from "./harness.mjs";
import { decodePng, screenshotPng } from "./png.mjs";

const [base, fixtures, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
mkdirSync(fixtures, { recursive: true });
const fixture = join(fixtures, "screenshot.png");
if (!existsSync(fixture)) writeFileSync(fixture, screenshotPng());
const { width, height } = decodePng(screenshotPng());

const browser = await launch();
const { results, open, width: pageWidth, axe } = checks(base, { errors: [] });

const edits = (page) => page.$eval(".attach-editor", (li) => JSON.parse(li.dataset.edits));
async function waitForEdits(page, count) {
  await page.waitForFunction((n) => JSON.parse(document.querySelector(".attach-editor").dataset.edits).length === n, count, { timeout: 60000 });
}

// Fills the report as little as the form asks, and adds the screenshot.
async function fillWithImage(page, lang) {
  await page.fill("#date", "2026-11-20");
  await page.check("input[name=category][value=threats]");
  await page.selectOption("#severity", "dangerous");
  await page.fill("#narrative", `ATTACHMENTS-${lang} Il m'a envoyé des menaces.`);
  await page.setInputFiles("#attachments", fixture);
  await page.waitForSelector(".attach-editor canvas", { timeout: 60000 });
  await page.waitForFunction(() => {
    const status = document.getElementById("attach-status");
    return status.textContent === status.closest("fieldset").dataset.ready;
  }, null, { timeout: 60000 });
}

for (const lang of ["fr", "ar"]) {
  const context = await browser.newContext(phone);
  const page = await open(context, `/${lang}/r`);
  page.on("pageerror", (e) => results.errors.push(`${lang}: ${e.message}`));
  // Script errors and refusals of the page's policy; not a missing favicon.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && results.errors.push(`${lang}: ${m.text()}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const posted = [];
  page.on("request", (r) => {
    const path = r.url().slice(base.length);
    if (r.method() === "POST" && path === "/v1/reports") posted.push({ type: r.headers()["content-type"], length: (r.postDataBuffer() || Buffer.alloc(0)).length });
    if (path.startsWith("/v1/puzzle")) posted.push({ puzzle: path });
  });
  await fillWithImage(page, lang);

  // The keyboard: blur, a frame moved right twice, down a big step, narrowed, smaller.
  await page.check(".attach-editor input[value=blur]");
  await page.focus(".attach-canvas");
  for (const key of ["ArrowRight", "ArrowRight", "Shift+ArrowDown", "Alt+ArrowLeft", "-"]) await page.keyboard.press(key);
  await page.keyboard.press("Enter");
  await waitForEdits(page, 1);
  // Once more, then taken back with Ctrl+Z.
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Enter");
  await waitForEdits(page, 2);
  await page.keyboard.press("Control+z");
  await waitForEdits(page, 1);

  // The mouse: black out from 10% to 45% across, 5% to 20% down.
  await page.check(".attach-editor input[value=black]");
  // In the middle of the screen: not under the quick-exit button, fixed at the top.
  await page.$eval(".attach-canvas", (c) => c.scrollIntoView({ block: "center" }));
  const box = await page.locator(".attach-canvas").boundingBox();
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.05);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.12, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.2, { steps: 4 });
  await page.mouse.up();
  await waitForEdits(page, 2);
  const made = await edits(page);
  const said = (await page.textContent(".attach-editor .attach-status")).trim();
  await pageWidth(page, `/${lang}/r with an image`);
  await page.screenshot({ path: `${outDir}/attachments-editor-${lang}.png`, fullPage: true });

  const began = Date.now();
  await Promise.all([page.waitForURL(new RegExp(`/${lang}/r/ok`), { timeout: 180000 }), page.click("#report-form button[type=submit]")]);
  results[lang] = {
    sent: true,
    ms_to_send: Date.now() - began,
    fixture: "screenshot.png",
    width,
    height,
    edits: made,
    said,
    dir: lang === "ar" ? "rtl" : "ltr",
    posted,
    path: await page.getAttribute("#encryption-path", "data-path").catch(() => null),
  };
  await context.close();
}

// Accessibility of the form with an image in its editor (axe needs the policy relaxed).
{
  const context = await browser.newContext({ ...phone, bypassCSP: true });
  const page = await open(context, "/ar/r");
  await fillWithImage(page, "ar");
  await page.focus(".attach-canvas");
  await page.keyboard.press("ArrowLeft");
  await axe(page, "/ar/r with an image");
  await context.close();
}

await browser.close();
console.log(JSON.stringify(results));
