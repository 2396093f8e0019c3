// Follow-up with a codename in Debian's Chromium (playwright-core), in two phases
// around the moderator's reply, for tests/e2e_browser.rs:
//   node followup.mjs <base url> report               → {"js": codename, "nojs": codename, …}
//   node followup.mjs <base url> read <js codename> <nojs codename> <image.png>
//                                                      → what each conversation page showed
// With JavaScript the page makes the codename and reads/answers in the browser;
// without it (Tor Browser "Safest") the server does it in memory. Each answer carries
// the image: scrubbed and sealed in the page (one multipart POST of the mailbox, the
// answer and its attachments file), or without JavaScript posted with the form for the
// server to scrub and seal; the conversation then says how many images went with it.
import { checks, launch, phone as phoneScreen } from "./harness.mjs";

const [base, phase, jsCodename, nojsCodename, imagePath] = process.argv.slice(2);
const browser = await launch();
const phone = { ...phoneScreen, deviceScaleFactor: 1 };
const { results, open, width, axe } = checks(base);

async function check(page, name) {
  await width(page, name);
  await axe(page, name);
}

// The line under her answer that says how many images went with it; null without one.
const imagesLine = (page) => page.$eval("#conversation li:nth-child(2) .message-images", (p) => p.textContent).catch(() => null);

// Adds the image to the answer and waits until the page has scrubbed it (its editor
// shown, the fieldset's "ready" text said).
async function attachImage(page) {
  await page.setInputFiles("#attachments", imagePath);
  await page.waitForSelector(".attach-editor canvas", { timeout: 60000 });
  await page.waitForFunction(() => {
    const status = document.getElementById("attach-status");
    return status.textContent === status.closest("fieldset").dataset.ready;
  }, null, { timeout: 60000 });
}

async function fillReport(page, marker) {
  await page.fill("#date", "2026-11-20");
  await page.selectOption("#severity", "risky");
  await page.selectOption("#setting", "hotel");
  await page.check("input[name=category][value=physical_violence]");
  await page.fill("#narrative", marker);
  await page.check("input[name=follow_up][value=codename]");
}

if (phase === "report") {
  {
    const context = await browser.newContext({ ...phone, bypassCSP: true });
    const page = await open(context, "/fr/report");
    await fillReport(page, "FOLLOWUP-JS-MARKER");
    await page.click("button[type=submit]");
    await page.waitForSelector("#codename-done:not([hidden])", { timeout: 60000 });
    results.js = (await page.textContent("#codename-value")).trim();
    results.js_url = page.url();
    results.js_box = await page.textContent("#codename-done");
    await check(page, "codename-js");
    await context.close();
  }
  {
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
    const page = await open(context, "/en/report");
    await fillReport(page, "FOLLOWUP-NOJS-MARKER");
    await Promise.all([page.waitForURL(/\/en\/r$/), page.click("button[type=submit]")]);
    results.nojs = (await page.textContent("#codename-value")).trim();
    results.nojs_path = await page.getAttribute("#encryption-path", "data-path");
    await context.close();
  }
} else {
  {
    const context = await browser.newContext({ ...phone, bypassCSP: true });
    const page = await open(context, "/fr/replies");
    // How the page posts each answer: multipart with an image, JSON without.
    results.answer_posts = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url() === base + "/v1/mailbox/answer") results.answer_posts.push(r.headers()["content-type"] || "");
    });
    await page.fill("#codename", jsCodename.toLowerCase());
    await page.click("#replies-form button[type=submit]");
    await page.waitForSelector("#conversation-area:not([hidden]) #conversation li", { timeout: 60000 });
    results.js_read = await page.textContent("#conversation");
    results.js_path = await page.getAttribute("#conversation-area .path-note", "data-path");
    await page.fill("#answer-form textarea", "BROWSER-JS-ANSWER merci");
    await attachImage(page);
    await width(page, "replies-js with an image");
    await page.click("#answer-form button[type=submit]");
    await page.waitForSelector("#conversation li:nth-child(2)", { timeout: 120000 });
    results.js_after_answer = await page.textContent("#conversation");
    results.js_images = await imagesLine(page);
    await check(page, "replies-js");
    await context.close();
  }
  {
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
    const page = await open(context, "/en/replies");
    await page.fill("#codename", nojsCodename.replaceAll("-", " "));
    await Promise.all([page.waitForURL(/\/en\/m$/), page.click("#replies-form button[type=submit]")]);
    results.nojs_read = await page.textContent("#conversation");
    results.nojs_path = await page.getAttribute("#replies-path", "data-path");
    await page.fill("#answer-form textarea", "BROWSER-NOJS-ANSWER thanks");
    await page.setInputFiles("#attachments", imagePath);
    await Promise.all([page.waitForURL(/\/en\/m$/), page.click("#answer-form button[type=submit]")]);
    results.nojs_after_answer = await page.textContent("#conversation");
    results.nojs_images = await imagesLine(page);
    await context.close();
    // axe needs script: the same server-rendered page, opened with JavaScript for axe only.
    const axeContext = await browser.newContext({ ...phone, bypassCSP: true, javaScriptEnabled: true });
    const axePage = await axeContext.newPage();
    await axePage.goto(base + "/en/replies");
    await axePage.fill("#codename", nojsCodename);
    await axePage.evaluate(() => document.getElementById("replies-form").submit());
    await axePage.waitForSelector("#replies-path");
    await check(axePage, "replies-nojs");
    await axeContext.close();
  }
}

await browser.close();
console.log(JSON.stringify(results));
