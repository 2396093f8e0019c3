// The check page (/<lang>/c) in Debian's Chromium (playwright-core), for
// tests/e2e_browser.rs, on a 360 px phone with the CPU slowed 4×:
//   node check.mjs <base url> <screenshots dir> <listed number> <unknown number>
// With JavaScript the number is normalised, blinded and checked in the page (no request
// carries it); without JavaScript the server checks it and says so. In French and in
// Arabic; axe-core on each result page.
import { checks, launch, phone } from "./harness.mjs";

const [base, shots, listed, unknown] = process.argv.slice(2);
const browser = await launch();
const { results, open, width, axe } = checks(base);
const digits = (text) => text.replace(/[^0-9]/g, "").slice(-8);

async function check(page, name) {
  await width(page, name);
  await axe(page, name);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

// What a run shows, once the result is in.
async function outcome(page) {
  const found = await page.$("#check-found");
  return {
    found: found ? (await found.textContent()).trim() : null,
    none: (await page.$("#check-none")) ? (await page.textContent("#check-none")).trim() : null,
    links: await page.$$eval("#check-result a", (links) => links.map((a) => a.getAttribute("href"))),
    path: await page.getAttribute("#check-path", "data-path"),
    path_note: (await page.textContent("#check-path")).trim(),
    dir: await page.getAttribute("html", "dir"),
  };
}

for (const [lang, number, name] of [["fr", listed, "listed"], ["ar", unknown, "unknown"]]) {
  {
    const context = await browser.newContext({ ...phone, bypassCSP: true });
    const requests = [];
    const bodies = [];
    const page = await open(context, `/${lang}/c`, requests);
    page.on("request", (r) => bodies.push(`${r.url()} ${r.postData() || ""}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.fill("#identifier", number);
    const began = Date.now();
    await page.click("#check-form button[type=submit]");
    await page.waitForSelector("#check-result:not([hidden]) p", { timeout: 120000 });
    results[`js_${lang}_${name}`] = {
      ...(await outcome(page)),
      ms: Date.now() - began,
      requests: requests.filter((r) => !r.startsWith("GET /static") && !r.startsWith("GET /" + lang + "/c")),
      number_sent: bodies.some((b) => b.includes(digits(number)) || decodeURIComponent(b).includes(number)),
      focused: await page.evaluate(() => document.activeElement && document.activeElement.id),
    };
    await check(page, `check-js-${lang}`);
    await context.close();
  }
  {
    const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
    const page = await open(context, `/${lang}/c`);
    results[`nojs_${lang}_before`] = (await page.textContent("#check-path")).trim();
    await page.fill("#identifier", number);
    await Promise.all([page.waitForLoadState("load"), page.click("#check-form button[type=submit]")]);
    await page.waitForSelector("#check-result p");
    results[`nojs_${lang}_${name}`] = await outcome(page);
    await width(page, `check-nojs-${lang}`);
    await page.screenshot({ path: `${shots}/check-nojs-${lang}.png`, fullPage: true });
    await context.close();
  }
}
// axe needs script: the server's result page (the form posted past the page's script,
// as without JavaScript), opened with JavaScript for axe only.
{
  const context = await browser.newContext({ ...phone, bypassCSP: true });
  const page = await open(context, "/ar/c");
  await page.fill("#identifier", listed);
  await Promise.all([page.waitForLoadState("load"), page.evaluate(() => document.getElementById("check-form").submit())]);
  await page.waitForSelector("#check-result p");
  results.nojs_ar_listed = await outcome(page);
  await check(page, "check-nojs-ar-found");
  await context.close();
}
await browser.close();
process.stdout.write(JSON.stringify(results));
