// The site on her phone (tests/e2e_browser.rs), 360 px wide:
//   node phone.mjs <base url> <screenshot folder>
// On every page: every tap target that stands alone (links outside sentences, buttons,
// fields, the labels of check boxes and radio buttons, the language choice) measures at
// least 44 x 44 px (WCAG 2.5.5); the language choice is at the top. On the information
// pages, every number in bold is a tel: (or sms:) link, and in Arabic the groups of a
// number read left to right as written. A report with a mistake without JavaScript, and
// the Arabic help page, are photographed. Prints one JSON object.
import { launch, phone } from "./harness.mjs";

const [base, outDir] = process.argv.slice(2);
const browser = await launch();
const pages = [
  "/fr/", "/fr/report", "/fr/alerts", "/fr/help", "/fr/info", "/fr/info/health",
  "/fr/info/after-sexual-assault", "/fr/info/cover-your-tracks", "/fr/directory",
  "/fr/questionnaire", "/fr/replies", "/ar/help", "/ar/info/after-sexual-assault", "/ru/report",
];
const seen = { small_targets: [], language_choice_top: {}, bold_numbers_not_links: [], arabic_number: {} };

for (const javaScriptEnabled of [true, false]) {
  const context = await browser.newContext({ ...phone, javaScriptEnabled });
  const page = await context.newPage();
  if (javaScriptEnabled) {
    // A cheap phone: the CPU slowed 4x.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  }
  for (const path of pages) {
    await page.goto(base + path);
    const found = await page.evaluate(() => {
      const visible = (el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
      };
      // A link inside a sentence (its block holds other text) is exempt.
      const inSentence = (a) => {
        const block = a.parentElement;
        return block && block.textContent.trim().length > a.textContent.trim().length + 3 && a.closest("p, li, dd, td") !== null;
      };
      const targets = new Set();
      for (const el of document.querySelectorAll("a[href], button, select, textarea, input:not([type=hidden]), summary")) {
        if (!visible(el)) continue;
        if (el.matches("a") && inSentence(el)) continue;
        const label = el.matches("input[type=checkbox], input[type=radio]") ? el.closest("label") : null;
        targets.add(label || el);
      }
      const small = [];
      for (const el of targets) {
        const r = el.getBoundingClientRect();
        if (r.width < 43.5 || r.height < 43.5) {
          small.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
        }
      }
      const summary = document.querySelector(".language-choice summary");
      const bold = [...document.querySelectorAll("main strong")]
        .filter((s) => /^[0-9][0-9 ]*[0-9]$/.test(s.textContent.trim()))
        .filter((s) => !s.closest("a[href^='tel:'], a[href^='sms:']"))
        .map((s) => s.textContent.trim());
      return { small, summaryTop: summary ? summary.getBoundingClientRect().top : null, bold };
    });
    for (const s of found.small) seen.small_targets.push(`${path} (js ${javaScriptEnabled}): ${s}`);
    seen.language_choice_top[path] = found.summaryTop;
    for (const b of found.bold) seen.bold_numbers_not_links.push(`${path}: ${b}`);
  }
  await context.close();
}

// The Arabic page: the number's groups, left to right on screen as written.
{
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  await page.goto(base + "/ar/info/after-sexual-assault");
  seen.arabic_number = await page.evaluate(() => {
    const link = [...document.querySelectorAll("a.phone")].find((a) => a.textContent.trim() === "0 800 840 800");
    if (!link) return { found: false };
    const text = link.querySelector("strong").firstChild;
    const at = (i) => {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      return range.getBoundingClientRect().left;
    };
    const lefts = [0, 2, 6, 10].map(at); // the first character of each group
    return { found: true, href: link.getAttribute("href"), lefts, in_order: lefts.every((x, i) => i === 0 || x > lefts[i - 1]) };
  });
  await page.goto(base + "/ar/help");
  await page.screenshot({ path: `${outDir}/help-ar.png`, fullPage: true });
  // The top of a page as she first sees it: the quick exit and the language choice.
  await page.goto(base + "/fr/report");
  await page.click(".language-choice summary");
  await page.screenshot({ path: `${outDir}/exit-and-languages-fr.png` });
  await context.close();
}

// A mistake without JavaScript: the form comes back filled in, with the reason.
{
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(base + "/fr/report");
  await page.fill("#date", "2026-11-20");
  await page.selectOption("#severity", "dangerous");
  await page.fill("#narrative", "Il a pris mon téléphone et il est parti sans payer.");
  await page.fill("#phones", "06 12 34 56 78");
  // The form posts to /fr/r (multipart, since it can carry images): wait for that page,
  // not for the load state of the one already there.
  await Promise.all([page.waitForURL(base + "/fr/r"), page.click("#report-form button[type=submit]")]);
  seen.error_kept = {
    focused: await page.evaluate(() => document.activeElement && document.activeElement.name),
    focused_in_view: await page.evaluate(() => {
      const r = document.activeElement.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }),
    narrative: await page.inputValue("#narrative"),
    phones: await page.inputValue("#phones"),
    severity: await page.inputValue("#severity"),
    error: (await page.textContent("p.error[role=alert]:not([hidden])"))?.trim() ?? "",
  };
  await page.screenshot({ path: `${outDir}/report-error-fr.png`, fullPage: true });
  await context.close();
}

// What she looks for, found however she writes it, on the phone with a slow CPU: the
// alerts of a city, a health page without accents.
{
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await page.goto(base + "/fr/a");
  await page.fill("#f-place", "bouches du rhone");
  await Promise.all([page.waitForLoadState("load"), page.click("form.filters button[type=submit]")]);
  seen.alerts_search = {
    url: page.url(),
    searched: (await page.textContent("#alerts-searched"))?.trim() ?? "",
    none: (await page.textContent("#alerts-none"))?.trim() ?? "",
  };
  await page.goto(base + "/fr/i");
  await page.fill("#q", "preservatif");
  await Promise.all([page.waitForLoadState("load"), page.click("form[role=search] button[type=submit]")]);
  seen.info_search = {
    url: page.url(),
    // The list right after the results' heading (after the "no page" line, if any).
    results: await page.evaluate(() => {
      let list = document.querySelector("#results").nextElementSibling;
      if (list.tagName === "P") list = list.nextElementSibling;
      return list.querySelectorAll("li").length;
    }),
  };
  await context.close();
}

console.log(JSON.stringify(seen));
await browser.close();
