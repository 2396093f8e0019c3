// Leaving and leaving no trail (tests/e2e_browser.rs), on a phone screen, as she would:
//   node exit-and-history.mjs <base url>
// With JavaScript: she comes from another site, reads two pages, fills the report form,
// then presses Shift three times; then Back. Without JavaScript: she ticks boxes and
// types in the report form, goes to another page and comes Back; she fills in the
// questionnaire, sees its summary, taps the exit, and comes Back. Records where each
// step lands, every page's title, and what the pages show on Back. Prints one JSON object.
import { launch, phone } from "./harness.mjs";

const [base] = process.argv.slice(2);
const browser = await launch();
const outside = "https://search.example/results";
const stub = (context) =>
  context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>Elsewhere</title><p>Elsewhere</p>" }),
  );
const seen = { titles: [], js: {}, nojs: {} };
const title = async (page) => seen.titles.push({ url: new URL(page.url()).pathname, title: await page.title() });
const shows = (page, text) => page.evaluate((t) => document.body.innerText.includes(t), text);

// With JavaScript, on a cheap phone (the CPU slowed 4x).
{
  const context = await browser.newContext(phone);
  await stub(context);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.goto(outside);
  const before = await page.evaluate(() => history.length);
  await page.goto(base + "/fr/");
  await title(page);
  await page.click("a[href='/fr/i']");
  await page.waitForURL(base + "/fr/i");
  await title(page);
  await page.click("a[href^='/fr/i/']");
  await page.waitForURL((u) => u.pathname.startsWith("/fr/i/"));
  await title(page);
  await page.click("a[href='/fr/r']");
  await page.waitForURL(base + "/fr/r");
  await title(page);
  seen.js.entries_of_the_visit = (await page.evaluate(() => history.length)) - before;
  await page.check("input[name=category][value=rape]");
  await page.fill("#narrative", "TRAIL-MARKER-JS");
  // Shift three times: she is gone.
  await Promise.all([
    page.waitForURL((u) => !u.href.startsWith(base)),
    (async () => {
      for (let i = 0; i < 3; i++) await page.keyboard.press("Shift");
    })(),
  ]);
  seen.js.after_shift = page.url();
  await page.goBack().catch(() => {});
  seen.js.after_back = page.url();
  seen.js.back_shows_her_words = page.url().startsWith(base) && (await shows(page, "TRAIL-MARKER-JS"));
  // The exit button does the same from a page reached with a search.
  await page.goto(base + "/fr/info");
  await page.fill("#q", "preservatif");
  await Promise.all([page.waitForLoadState("load"), page.click("form[role=search] button[type=submit]")]);
  seen.js.search_url = page.url();
  await title(page);
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(base)), page.click("#quick-exit")]);
  await page.goBack().catch(() => {});
  seen.js.after_exit_back = page.url();
  seen.js.after_exit_back_shows_query = page.url().startsWith(base) && (await shows(page, "preservatif"));
  await context.close();
}

// Without JavaScript.
{
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  await stub(context);
  const page = await context.newPage();
  await page.goto(base + "/fr/report");
  await page.check("input[name=category][value=rape]");
  await page.fill("#narrative", "TRAIL-MARKER-NOJS");
  await page.click("a[href='/fr/i']");
  await page.waitForURL(base + "/fr/i");
  await page.goBack();
  seen.nojs.form_restored = {
    rape: await page.isChecked("input[name=category][value=rape]"),
    narrative: await page.inputValue("#narrative"),
  };
  await page.goto(base + "/fr/questionnaire");
  await page.check("input[name=when][value=lt24]");
  await page.fill("#f-allergies-detail", "TRAIL-ALLERGY");
  await Promise.all([page.waitForLoadState("load"), page.click("#questionnaire button[type=submit]")]);
  seen.nojs.summary_shown = await shows(page, "TRAIL-ALLERGY");
  await title(page);
  await page.click("#quick-exit");
  await page.waitForURL((u) => !u.href.startsWith(base));
  await page.goBack().catch((e) => (seen.nojs.back_error = String(e).split("\n")[0]));
  seen.nojs.after_exit_back = page.url();
  seen.nojs.back_shows_summary = await shows(page, "TRAIL-ALLERGY").catch(() => false);
  // Reload there posts the form again: the summary is not shown again.
  await page.reload().catch((e) => (seen.nojs.reload_error = String(e).split("\n")[0]));
  seen.nojs.reload_shows_summary = await shows(page, "TRAIL-ALLERGY").catch(() => false);
  await context.close();
}

console.log(JSON.stringify(seen));
await browser.close();
