// The information side in Debian's Chromium (playwright-core), on a phone-sized screen:
//   node information.mjs <base url> <screenshot folder>
// A health page in three languages (Arabic included), the medical questionnaire filled
// in Chinese with JavaScript (summary made in the page, nothing sent) and without (the
// server makes it), the directory filtered, and axe-core on each. Prints one JSON
// object with what it saw, for tests/e2e_browser.rs to check.
import { mkdirSync } from "node:fs";
import { checks, launch, phone } from "./harness.mjs";

const [base, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const browser = await launch();
const { results, open: openPage, width: checkWidth, axe } = checks(base, { health: {} });

async function open(context, path, requests) {
  const page = await openPage(context, path, requests);
  await checkWidth(page, path);
  return page;
}

// 1. The health page in French, Chinese and Arabic.
{
  const context = await browser.newContext(phone);
  for (const lang of ["fr", "zh", "ar"]) {
    const page = await open(context, `/${lang}/info/health`);
    results.health[lang] = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      direction: getComputedStyle(document.body).direction,
      title: document.querySelector("h1").textContent,
      toc: [...document.querySelectorAll(".toc a")].map((a) => a.getAttribute("href")),
      anchors: [...document.querySelectorAll(".toc a")].every((a) => document.getElementById(a.getAttribute("href").slice(1))),
      sources: document.querySelectorAll(".sources li").length,
      notice: document.getElementById("translation-notice")?.textContent ?? null,
      article_lang: document.querySelector("article").getAttribute("lang"),
    }));
    await page.screenshot({ path: `${outDir}/health-${lang}.png`, fullPage: true });
  }
  await context.close();
}

// The answers given, by field name; the same in both runs.
const CHOICES = {
  what: ["sexual", "condom"],
  when: ["lt24"],
  condom: ["removed"],
  exposure: ["vaginal", "ejaculation"],
  prep: ["no"],
  contraception: ["none"],
  injuries: ["bruises", "genital"],
  pain: ["strong"],
  allergies: ["yes"],
  treatments: ["no"],
  requests: ["pep", "emergency-contraception", "certificate", "interpreter"],
};
const TEXTS = { "allergies-detail": "青霉素过敏", notes: "他拿走了我的手机。" };

async function fill(page) {
  for (const [name, values] of Object.entries(CHOICES)) {
    for (const value of values) await page.check(`input[name="${name}"][value="${value}"]`);
  }
  for (const [name, text] of Object.entries(TEXTS)) await page.fill(`textarea[name="${name}"]`, text);
}

// What a summary section holds: [[question, [answers…]], …].
function readSummary(page, lang) {
  return page.evaluate((lang) => {
    const section = document.getElementById(`summary-${lang}`);
    if (!section) return null;
    const lines = [];
    for (const node of section.querySelectorAll("dt, dd")) {
      if (node.tagName === "DT") lines.push([node.textContent.trim(), []]);
      else lines[lines.length - 1][1].push(node.textContent.trim());
    }
    return { lang: section.lang, dir: section.dir, title: section.querySelector("h2").textContent, lines };
  }, lang);
}

// What a form in one language says for the questions and the chosen answers.
async function labels(context, lang) {
  const page = await open(context, `/${lang}/questionnaire`);
  const seen = await page.evaluate(([choices, texts]) => {
    const out = [];
    for (const set of document.querySelectorAll("fieldset[data-question]")) {
      const name = set.dataset.question;
      const answers = (choices[name] || []).map((value) =>
        set.querySelector(`input[value="${value}"]`).parentNode.textContent.trim());
      if (texts[name]) answers.push(texts[name]);
      out.push([set.querySelector("legend").textContent.trim(), answers]);
    }
    return out;
  }, [CHOICES, TEXTS]);
  await page.close();
  return seen;
}

// 2. The questionnaire in Chinese, with JavaScript: the summary is made in the page.
{
  const context = await browser.newContext(phone);
  results.expected_fr = await labels(context, "fr");
  results.expected_zh = await labels(context, "zh");
  const requests = [];
  const page = await open(context, "/zh/questionnaire", requests);
  await fill(page);
  const before = requests.length;
  await page.click("#questionnaire button[type=submit]");
  await page.waitForSelector("#summary-fr");
  results.js_requests_after_submit = requests.slice(before);
  results.js_url = page.url().slice(base.length);
  results.js_fr = await readSummary(page, "fr");
  results.js_zh = await readSummary(page, "zh");
  await checkWidth(page, "questionnaire summary (JavaScript)");
  await page.screenshot({ path: `${outDir}/questionnaire-summary-zh-js.png`, fullPage: true });
  await page.click("#summary-edit");
  results.js_form_back = await page.isVisible("#questionnaire");
  results.js_summary_cleared = await page.evaluate(() => !document.getElementById("summary-fr"));
  await context.close();
}

// 3. The same without JavaScript: the form is posted and the server makes the page.
{
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const page = await open(context, "/zh/questionnaire");
  await fill(page);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("#questionnaire button[type=submit]"),
  ]);
  await page.waitForSelector("#summary-fr");
  results.nojs_cache_control = response.headers()["cache-control"];
  results.nojs_fr = await readSummary(page, "fr");
  results.nojs_zh = await readSummary(page, "zh");
  await checkWidth(page, "questionnaire summary (no JavaScript)");
  await page.screenshot({ path: `${outDir}/questionnaire-summary-zh-nojs.png`, fullPage: true });
  // Printed on A4: the French summary on one page, hers on the next.
  const pdf = await page.pdf({ format: "A4" });
  results.nojs_printed_pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
  await context.close();
}

// 4. The directory in Arabic, filtered by city and kind with the form.
{
  const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
  const page = await open(context, "/ar/directory");
  results.directory_all = await page.locator("li.service").count();
  await page.selectOption("#f-city", "Paris");
  await page.selectOption("#f-kind", "health");
  await Promise.all([page.waitForURL(/city=Paris/), page.click("#directory-filter button[type=submit]")]);
  results.directory_url = page.url().slice(base.length);
  results.directory_local = await page.evaluate(() =>
    [...document.querySelectorAll("#services-local li.service")].map((li) => [li.dataset.city, li.dataset.kind]));
  results.directory_national = await page.evaluate(() =>
    [...document.querySelectorAll("#services-national li.service")].map((li) => li.dataset.kind));
  results.directory_direction = await page.evaluate(() => getComputedStyle(document.body).direction);
  await page.screenshot({ path: `${outDir}/directory-ar.png`, fullPage: true });
  await context.close();
}

// 5. Accessibility: the information pages, the directory and the questionnaire with its summary.
{
  const context = await browser.newContext({ ...phone, bypassCSP: true });
  for (const path of ["/fr/directory", "/ar/directory?city=Paris", "/zh/questionnaire", "/ar/questionnaire", "/ar/info", "/zh/info/health"]) {
    const page = await open(context, path);
    await axe(page, path);
    await page.close();
  }
  const page = await open(context, "/ar/questionnaire");
  await fill(page);
  await page.click("#questionnaire button[type=submit]");
  await page.waitForSelector("#summary-fr");
  await axe(page, "/ar/questionnaire (summary)");
  await context.close();
}

await browser.close();
console.log(JSON.stringify(results));
