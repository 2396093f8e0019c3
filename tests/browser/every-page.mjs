// Every page of the site, found by following its links from the home page of each
// language (pages only: not the feeds, not the page's own files), opened in Chromium
// on a phone, with JavaScript on. The browser's own request log says what each page
// loaded: nothing may come from anywhere but the server. Prints JSON: the pages
// opened, the requests that left the server, and any page that was not a 200.
//
// Usage: node every-page.mjs <base URL> <lang>...
import { launch, phone } from "./harness.mjs";

const [base, ...languages] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ ...phone });
const results = { pages: [], external_requests: [], not_ok: [] };
const seen = new Set();
const queue = languages.map((lang) => `/${lang}/`);
const isPage = (path) =>
  /^\/[a-z]{2}\//.test(path) && !/\.(atom|json|css|js|mjs|png|svg|ico|woff2?)$/.test(path);
while (queue.length > 0 && seen.size < 1000) {
  const path = queue.shift();
  if (seen.has(path)) continue;
  seen.add(path);
  const page = await context.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(base)) results.external_requests.push(`${path}: ${r.url()}`);
  });
  const response = await page.goto(base + path, { waitUntil: "load" });
  if (!response || response.status() !== 200) {
    results.not_ok.push(`${path}: ${response && response.status()}`);
  }
  results.pages.push(path);
  const links = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")));
  for (const href of links) {
    if (!href.startsWith("/") || href.startsWith("//")) continue;
    const target = href.split("#")[0].split("?")[0];
    if (isPage(target) && !seen.has(target)) queue.push(target);
  }
  await page.close();
}
await browser.close();
console.log(JSON.stringify(results));
