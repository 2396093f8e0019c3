// What the browser scripts share: Debian's Chromium started as this machine's closed
// network needs, a phone-sized context, and the checks every page gets (nothing loaded
// from elsewhere, fits 360 px, axe-core with no serious or critical violation), gathered
// in one results object that the script prints as JSON for tests/e2e_browser.rs.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A 360 px wide touch screen. */
export const phone = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** Debian's Chromium (or $CHROMIUM), without the background connections it would try. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
}

/** The checks of a run against `base`, and the results they fill. */
export function checks(base, extra = {}) {
  const results = { external_requests: [], overflow: [], axe: {}, ...extra };
  return {
    results,
    /** Opens `path`; every request that is not to `base` is recorded, and with
     *  `requests` every request is listed there as "METHOD path". */
    async open(context, path, requests) {
      const page = await context.newPage();
      page.on("request", (r) => {
        if (!r.url().startsWith(base)) results.external_requests.push(r.url());
        if (requests) requests.push(`${r.method()} ${r.url().slice(base.length)}`);
      });
      await page.goto(base + path);
      return page;
    },
    /** Records the page as too wide if it scrolls sideways on the phone. */
    async width(page, name) {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 360) results.overflow.push(`${name}: ${width}px`);
    },
    /** Runs axe-core on the page (the context needs bypassCSP) and keeps the serious
     *  and critical violations under `name`. */
    async axe(page, name) {
      await page.addScriptTag({ content: axeSource });
      const report = await page.evaluate(async () => await window.axe.run());
      results.axe[name] = report.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} element(s)`);
    },
  };
}
