// The page's side of image attachments (docs/PROTOCOL.md §4.12), tested without cargo:
// the built page scripts (run `npm run build` in server/web-js first) against the
// stand-in server of server.mjs, in Debian's Chromium on a 360 x 740 phone, in Arabic,
// with the CPU slowed 4×:
//   node run.mjs [out folder, default target/attachments-harness]
// (a) photos with GPS, a serial number, XMP, a thumbnail, an ICC profile, a comment and
//     an EXIF orientation are scrubbed: exiftool finds none of it, the JPEG keeps only
//     what its pixels need, every orientation lands each corner where it should;
// (b) black-outs and blurs change the pixels of their rectangles and nothing else;
// (c) files cut short, decompression bombs, a 12 MiB file and an HTML page are refused
//     with their stable codes, and a JPEG with a ZIP after it is scrubbed without it;
// (d) the quick exit answers at once while a 12-megapixel photo is scrubbed;
// plus: the time to scrub, frame and seal a 12-megapixel photo; the editor (keyboard,
// mouse, undo, remove, at most 5, refusals in her language); attachments.mjs run against
// the stand-in, and what it sent decrypted and checked pixel by pixel; a report without
// images still posted as one age file; the vectors of attachments-cli.mjs; the report
// rules' vectors. Prints one JSON object; `failures` lists what went wrong (exit 1).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Decrypter } from "../../../server/web-js/node_modules/age-encryption/dist/index.js";
import { sha256 } from "../../../server/web-js/node_modules/@noble/hashes/sha2.js";
import { unframeAttachments } from "../../../server/web-js/src/attachments.js";
import { launch, phone } from "../harness.mjs";
import { checkEdits, decodePng, pngChunks } from "../png.mjs";
import { makeFixtures } from "./fixtures.mjs";
import { startServer } from "./server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "../../../");
const out = process.argv[2] || join(repo, "target/attachments-harness");
const fixtures = join(out, "fixtures");
mkdirSync(out, { recursive: true });
const results = { failures: [] };
const fail = (what) => results.failures.push(what);
const expect = (ok, what) => {
  if (!ok) fail(what);
  return ok;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2);
};
const hex = (bytes) => Buffer.from(bytes).toString("hex");

const browser = await launch();
await makeFixtures(fixtures, browser);
execFileSync(join(repo, "server/web-js/node_modules/.bin/esbuild"), [join(here, "entry.js"), "--bundle", "--format=iife", "--target=es2020", `--outfile=${join(out, "harness.js")}`, "--log-level=warning"]);
const server = await startServer({ fixtures, harness: join(out, "harness.js") });
const base = server.url;
const arabic = { ...phone, locale: "ar" };

async function slowPage(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  page.on("pageerror", (e) => fail(`page error on ${path}: ${e.message}`));
  await page.goto(base + path);
  return page;
}

// Scrubs fixtures in the test page → for each: {ok, code, type, width, height, bytes (a
// Buffer), corners: the colour 3 px inside each corner, ms}.
async function scrub(page, names, edits = []) {
  const found = await page.evaluate(async ({ names, edits }) => {
    const h = window.jasmineHarness;
    const out = {};
    for (const name of names) {
      const blob = await (await fetch("/fixtures/" + name)).blob();
      const began = performance.now();
      try {
        const r = await h.scrubImage(new File([blob], name), { edits });
        const ms = Math.round(performance.now() - began);
        const bitmap = await createImageBitmap(new Blob([r.bytes]));
        const canvas = document.createElement("canvas");
        canvas.width = bitmap.width;
        canvas.height = bitmap.height;
        const c = canvas.getContext("2d");
        c.drawImage(bitmap, 0, 0);
        const at = (x, y) => Array.from(c.getImageData(x, y, 1, 1).data).slice(0, 3);
        const W = bitmap.width;
        const H = bitmap.height;
        let binary = "";
        for (let i = 0; i < r.bytes.length; i += 8192) binary += String.fromCharCode(...r.bytes.subarray(i, i + 8192));
        out[name] = {
          ok: true, type: r.type, width: r.width, height: r.height, ms, b64: btoa(binary),
          corners: { tl: at(3, 3), tr: at(W - 4, 3), bl: at(3, H - 4), br: at(W - 4, H - 4), mid: at(W >> 1, H >> 1) },
        };
      } catch (error) {
        out[name] = { ok: false, code: error.code || null, name: error.name, message: error.message };
      }
    }
    return out;
  }, { names, edits });
  for (const r of Object.values(found)) if (r.b64) r.bytes = Buffer.from(r.b64, "base64");
  return found;
}

function exif(file) {
  return JSON.parse(execFileSync("exiftool", ["-j", "-a", "-G1", "-s", file], { encoding: "utf8" }))[0];
}

function jpegMarkers(bytes) {
  const markers = [];
  for (let i = 2; i < bytes.length; ) {
    const marker = bytes[i + 1];
    markers.push(marker.toString(16));
    if (marker === 0xda) break;
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return markers;
}

// What a phone put in the photos, which none of the sent files may carry.
const SECRETS = ["JAS123", "JASMINE-COMMENT", "Jasmine test", "xmpmeta", "Exif\0", "ICC_PROFILE", "PK\x03\x04", "POLYGLOT-SECRET", "exiftool", "ExifTool"];
const ALLOWED_TAGS = /^(SourceFile|(ExifTool|System|File|JFIF|PNG|Composite):)/;
const FORBIDDEN_TAGS = /(GPS|Serial|Creator|XMP|ICC|Profile|Thumbnail|Orientation|Comment|Make|Model|DateTime)/;

const colourNear = (a, b, tolerance = 48) => a.every((v, k) => Math.abs(v - b[k]) <= tolerance);
const CORNERS = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 0] };
// Where the stored corner (cx, cy) lands for each EXIF orientation.
const LANDS = {
  1: (x, y) => [x, y], 2: (x, y) => [1 - x, y], 3: (x, y) => [1 - x, 1 - y], 4: (x, y) => [x, 1 - y],
  5: (x, y) => [y, x], 6: (x, y) => [1 - y, x], 7: (x, y) => [1 - y, 1 - x], 8: (x, y) => [y, 1 - x],
};
const NAME = { "0,0": "tl", "1,0": "tr", "0,1": "bl", "1,1": "br" };

// --- (a) scrubbing ------------------------------------------------------------------
const context = await browser.newContext(arabic);
const test = await slowPage(context, "/harness");
await test.waitForFunction(() => window.jasmineHarness);
{
  const names = ["photo.jpg", "photo.png", "photo.webp", "photo-vp8.webp", "big12mp.jpg", "polyglot.jpg", ...[1, 2, 3, 4, 5, 6, 7, 8].map((o) => `orient-${o}.jpg`)];
  const found = await scrub(test, names);
  results.scrubbed = {};
  for (const name of names) {
    const r = found[name];
    if (!expect(r.ok, `${name} was not scrubbed: ${r.code} ${r.message}`)) continue;
    const file = join(out, `scrubbed-${name}.${r.type === "image/png" ? "png" : "jpg"}`);
    writeFileSync(file, r.bytes);
    const tags = exif(file);
    const leaked = Object.keys(tags).filter((k) => !ALLOWED_TAGS.test(k) || FORBIDDEN_TAGS.test(k));
    const secrets = SECRETS.filter((s) => r.bytes.includes(Buffer.from(s, "latin1")));
    const structure = r.type === "image/png" ? pngChunks(r.bytes) : jpegMarkers(r.bytes);
    const allowedStructure = r.type === "image/png" ? ["IHDR", "IDAT", "IEND"] : ["d8", "e0", "db", "c0", "c2", "c4", "dd", "da"];
    expect(leaked.length === 0, `${name}: exiftool still finds ${leaked.join(", ")}`);
    expect(secrets.length === 0, `${name}: the bytes still hold ${secrets.join(", ")}`);
    expect(structure.every((s) => allowedStructure.includes(s)), `${name}: ${structure.join(" ")}`);
    results.scrubbed[name] = { type: r.type, width: r.width, height: r.height, bytes: r.bytes.length, ms: r.ms, structure: structure.join(" "), exiftool_groups: [...new Set(Object.keys(tags).map((k) => k.split(":")[0]))].join(" ") };
  }
  const photo = found["photo.jpg"];
  if (photo.ok) {
    // Orientation 6: turned 90° clockwise; the stored bottom-left (blue) is now top-left.
    expect(photo.width === 48 && photo.height === 64, `photo.jpg: ${photo.width}x${photo.height}, not 48x64`);
    expect(colourNear(photo.corners.tl, CORNERS.bl) && colourNear(photo.corners.tr, CORNERS.tl), `photo.jpg corners ${JSON.stringify(photo.corners)}`);
    // Its ICC profile (gamma 1.0) was applied before it was dropped: mid-grey is lighter.
    expect(photo.corners.mid[0] > 160, `photo.jpg: the ICC profile was not applied (${photo.corners.mid})`);
    results.photo_jpg = { width: photo.width, height: photo.height, corners: photo.corners };
  }
  expect(found["photo.png"].type === "image/png" && found["photo.webp"].type === "image/jpeg", "a PNG is sent as PNG, a WebP as JPEG");
  expect(found["big12mp.jpg"].width === 4000 && found["big12mp.jpg"].height === 3000, "12 MP photo: size kept (4000 ≤ 4096)");
  results.orientations = {};
  for (let o = 1; o <= 8; o++) {
    const r = found[`orient-${o}.jpg`];
    if (!r.ok) continue;
    const turned = o >= 5;
    const sizeOk = turned ? r.width === 48 && r.height === 64 : r.width === 64 && r.height === 48;
    const wrong = [];
    for (const [corner, colour] of Object.entries(CORNERS)) {
      const [cx, cy] = { tl: [0, 0], tr: [1, 0], bl: [0, 1], br: [1, 1] }[corner];
      const landed = NAME[LANDS[o](cx, cy).join(",")];
      if (!colourNear(r.corners[landed], colour)) wrong.push(`${corner}→${landed} ${r.corners[landed]}`);
    }
    expect(sizeOk && wrong.length === 0, `orientation ${o}: ${r.width}x${r.height} ${wrong.join("; ")}`);
    results.orientations[o] = sizeOk && wrong.length === 0 ? "ok" : wrong.join("; ");
  }
  const poly = found["polyglot.jpg"];
  if (poly.ok) expect(!poly.bytes.includes(Buffer.from("PK")) || !poly.bytes.includes(Buffer.from("POLYGLOT")), "the ZIP after the JPEG was sent");
}

// --- (b) edits: only the rectangles change --------------------------------------------
{
  const chosen = decodePng(readFileSync(join(fixtures, "screenshot.png")));
  const edits = [
    { tool: "blur", x: 100, y: 200, w: 250, h: 180 },
    { tool: "black", x: 400, y: 50, w: 120, h: 60 },
    { tool: "blur", x: 150, y: 300, w: 400, h: 90 }, // over the first
    { tool: "blur", x: 600, y: 1100, w: 500, h: 500 }, // past the right and bottom edges
    { tool: "black", x: -20, y: 1270, w: 40, h: 40 },
  ];
  const clipped = edits.map((e) => {
    const x = Math.max(0, e.x);
    const y = Math.max(0, e.y);
    return { ...e, x, y, w: Math.min(720, e.x + e.w) - x, h: Math.min(1280, e.y + e.h) - y };
  });
  const plain = (await scrub(test, ["screenshot.png"]))["screenshot.png"];
  const edited = (await scrub(test, ["screenshot.png"], edits))["screenshot.png"];
  const none = checkEdits(chosen, decodePng(plain.bytes), []);
  const some = checkEdits(chosen, decodePng(edited.bytes), clipped);
  expect(none.length === 0, `the screenshot scrubbed is not its pixels: ${none.join("; ")}`);
  expect(some.length === 0, `edited: ${some.join("; ")}`);
  // A JPEG too: black is black, and far from the rectangle the photo is still the photo.
  const jpeg = (await scrub(test, ["photo-vp8.webp"], [{ tool: "black", x: 0, y: 0, w: 20, h: 20 }]))["photo-vp8.webp"];
  expect(jpeg.ok && colourNear(jpeg.corners.tl, [0, 0, 0], 16) && colourNear(jpeg.corners.br, CORNERS.br), `JPEG black-out: ${JSON.stringify(jpeg.corners)}`);
  results.edits = { unedited_identical: none.length === 0, edited_only_rectangles: some.length === 0, png_bytes: edited.bytes?.length };
}

// --- (c) refusals -----------------------------------------------------------------------
{
  const want = {
    "truncated.jpg": "attachment_unreadable",
    "truncated-header.jpg": "attachment_unreadable",
    "bomb.png": "attachment_too_many_pixels",
    "wide.jpg": "attachment_too_many_pixels",
    "bomb.webp": "attachment_too_many_pixels",
    "bomb-vp8.webp": "attachment_too_many_pixels",
    "huge.jpg": "attachment_too_large",
    "page.png": "attachment_unreadable",
  };
  const found = await scrub(test, Object.keys(want));
  results.refused = {};
  for (const [name, code] of Object.entries(want)) {
    results.refused[name] = found[name].ok ? "accepted" : found[name].code;
    expect(!found[name].ok && found[name].code === code, `${name}: ${found[name].code || "accepted"}, not ${code}`);
  }
}

// --- Timing: scrub + frame + seal a 12-megapixel photo ---------------------------------
async function timeBig(page, runs) {
  return page.evaluate(async (runs) => {
    const h = window.jasmineHarness;
    const keys = await (await fetch("/v1/keys")).json();
    const recipients = keys.bundle.moderators.map((m) => m.age_recipient);
    const file = new File([await (await fetch("/fixtures/big12mp.jpg")).blob()], "big12mp.jpg");
    const all = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const image = await h.scrubImage(file);
      const t1 = performance.now();
      const { sealed } = await h.sealAttachmentsInWorker([image], recipients);
      const t2 = performance.now();
      all.push({ scrub: t1 - t0, seal: t2 - t1, total: t2 - t0, image: image.bytes.length, sealed: sealed.length });
    }
    return all;
  }, runs);
}
{
  const throttled = await timeBig(test, 5);
  const fastContext = await browser.newContext(phone);
  const fast = await fastContext.newPage();
  await fast.goto(base + "/harness");
  await fast.waitForFunction(() => window.jasmineHarness);
  const unthrottled = await timeBig(fast, 5);
  await fastContext.close();
  // Chromium slows only the page's thread, not the worker's: the same work done on the
  // page (as where no worker can run) is what a CPU 4× slower would take.
  const slowContext = await browser.newContext(arabic);
  const slow = await slowPage(slowContext, "/harness");
  await slow.waitForFunction(() => window.jasmineHarness);
  await slow.evaluate(() => (window.Worker = undefined));
  const onPage = await timeBig(slow, 3);
  await slowContext.close();
  const summary = (runs) => ({
    median_total_ms: median(runs.map((r) => r.total)),
    median_scrub_ms: median(runs.map((r) => r.scrub)),
    median_frame_seal_ms: median(runs.map((r) => r.seal)),
    runs_total_ms: runs.map((r) => Math.round(r.total)),
  });
  results.bench_12mp = {
    input_bytes: statSync(join(fixtures, "big12mp.jpg")).size,
    scrubbed_bytes: throttled[0].image,
    sealed_bytes: throttled[0].sealed,
    worker_page_cpu_4x_slower: summary(throttled),
    worker_unthrottled: summary(unthrottled),
    on_page_cpu_4x_slower: summary(onPage),
  };
}
await context.close();

// --- Where no worker can run: the same pixels, on the page ------------------------------
{
  const chosen = decodePng(readFileSync(join(fixtures, "screenshot.png")));
  const fallback = await browser.newContext(arabic);
  const page = await slowPage(fallback, "/harness");
  await page.waitForFunction(() => window.jasmineHarness);
  results.without_worker = {};
  for (const [name, hide] of [["no Worker", ["Worker"]], ["no Worker, no OffscreenCanvas", ["Worker", "OffscreenCanvas"]]]) {
    await page.evaluate((hide) => hide.forEach((n) => (window[n] = undefined)), hide);
    const found = await scrub(page, ["screenshot.png", "orient-6.jpg"], []);
    const png = found["screenshot.png"];
    const turned = found["orient-6.jpg"];
    const same = png.ok ? checkEdits(chosen, decodePng(png.bytes), []) : ["refused " + png.code];
    const corners = turned.ok && colourNear(turned.corners.tl, CORNERS.bl) && colourNear(turned.corners.tr, CORNERS.tl);
    results.without_worker[name] = { png: same.length === 0 ? "identical pixels" : same, orientation_6: corners ? "ok" : turned };
    expect(same.length === 0 && corners, `${name}: ${JSON.stringify(results.without_worker[name])}`);
  }
  await fallback.close();
}

// --- (d) the quick exit while a 12-megapixel photo is scrubbed -------------------------
{
  // The same page doing nothing, for comparison: the tap's delay and the timer's gaps
  // that the slowed CPU gives anyway.
  const idleContext = await browser.newContext(arabic);
  await idleContext.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>Météo</title><p>Météo</p>" }),
  );
  const idle = await slowPage(idleContext, "/ar/r");
  await idle.evaluate(() => {
    window.longest = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.longest = Math.max(window.longest, now - last);
      last = now;
    }, 20);
  });
  await idle.waitForTimeout(1500);
  const idleStall = await idle.evaluate(() => window.longest);
  const idleTap = Date.now();
  await Promise.all([idle.waitForURL((u) => !u.href.startsWith(base)), idle.click("#quick-exit")]);
  results.quick_exit_idle = { tap_to_exit_ms: Date.now() - idleTap, longest_stall_ms: Math.round(idleStall) };
  await idleContext.close();

  const exitContext = await browser.newContext(arabic);
  await exitContext.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>Météo</title><p>Météo</p>" }),
  );
  const page = await slowPage(exitContext, "/ar/r");
  await page.evaluate(() => {
    // The longest the page's thread was busy between two timer ticks.
    window.longest = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.longest = Math.max(window.longest, now - last);
      last = now;
    }, 20);
  });
  // The photo chosen three times (as copies): the worker has seconds of work, and the
  // tap comes while the first is being scrubbed.
  const copies = [1, 2, 3].map((n) => {
    const copy = join(out, `big12mp-copy${n}.jpg`);
    writeFileSync(copy, readFileSync(join(fixtures, "big12mp.jpg")));
    return copy;
  });
  await page.setInputFiles("#attachments", copies);
  await page.waitForFunction(() => document.getElementById("attach-status").textContent.length > 0);
  await page.waitForTimeout(100);
  const working = await page.evaluate(() => {
    const s = document.getElementById("attach-status");
    return s.textContent === s.closest("fieldset").dataset.working && document.querySelectorAll(".attach-editor").length < 3;
  });
  const stall = await page.evaluate(() => window.longest);
  const tapped = Date.now();
  await Promise.all([page.waitForURL((u) => !u.href.startsWith(base)), page.click("#quick-exit")]);
  const delay = Date.now() - tapped;
  results.quick_exit = { still_scrubbing_at_tap: working, tap_to_exit_ms: delay, url: page.url(), longest_stall_before_tap_ms: Math.round(stall) };
  expect(working, "the 12 MP photo was already scrubbed when the exit was tapped: the test proves nothing");
  expect(delay < 1500, `the quick exit took ${delay} ms while scrubbing`);
  await exitContext.close();

  // The whole scrub of the 12 MP photo, on the report page: how long the page's thread
  // was ever busy at once (the decoding, drawing and encoding are in the worker).
  const again = await browser.newContext(arabic);
  const page2 = await slowPage(again, "/ar/r");
  await page2.evaluate(() => {
    window.longest = 0;
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      window.longest = Math.max(window.longest, now - last);
      last = now;
    }, 20);
  });
  const began = Date.now();
  await page2.setInputFiles("#attachments", join(fixtures, "big12mp.jpg"));
  await page2.waitForFunction(() => {
    const s = document.getElementById("attach-status");
    return s.textContent === s.closest("fieldset").dataset.ready;
  }, null, { timeout: 120000 });
  results.quick_exit.scrub_12mp_on_report_page_ms = Date.now() - began;
  results.quick_exit.longest_main_thread_stall_ms = Math.round(await page2.evaluate(() => window.longest));
  await again.close();
}

// --- The editor: at most 5, refusals in her language, remove, undo, sizes -------------
{
  const ui = await browser.newContext(arabic);
  const page = await slowPage(ui, "/ar/r");
  const said = () => page.textContent("#attach-status");
  const texts = await page.$eval("#attach-area", (f) => ({ ...f.dataset }));
  results.editor = {};
  results.editor.input_name_removed = await page.$eval("#attachments", (i) => !i.hasAttribute("name"));
  results.editor.note = await page.textContent("#attach-note");
  expect(results.editor.note === texts.jsText || results.editor.note.length > 0, "the images' note");
  // A page that is not an image, and a bomb: refused, named, in Arabic.
  await page.setInputFiles("#attachments", [join(fixtures, "page.png"), join(fixtures, "bomb.png")]);
  await page.waitForFunction(() => document.getElementById("attach-status").classList.contains("error"), null, { timeout: 60000 });
  results.editor.refused = (await said()).trim();
  expect(results.editor.refused.includes("page.png") && results.editor.refused.includes("bomb.png"), `refusals: ${results.editor.refused}`);
  expect(results.editor.refused.includes(texts.attachmentUnreadable.split("{name}")[1].trim().slice(0, 20)), "the refusal is the Arabic message");
  await page.setInputFiles("#attachments", [1, 2, 3, 4, 5, 6].map((o) => join(fixtures, `orient-${o}.jpg`)));
  await page.waitForFunction((n) => document.querySelectorAll(".attach-editor").length === n, 5, { timeout: 60000 });
  await page.waitForFunction((t) => document.getElementById("attach-status").textContent.includes(t), texts.attachmentTooMany);
  results.editor.six_chosen = { editors: await page.$$eval(".attach-editor", (l) => l.length), said: (await said()).trim() };
  // Remove the second: the others are numbered again.
  await page.click(".attach-editor:nth-child(2) .attach-remove");
  results.editor.after_remove = {
    editors: await page.$$eval(".attach-editor", (l) => l.length),
    captions: await page.$$eval(".attach-caption", (l) => l.map((c) => c.textContent)),
    said: (await said()).trim(),
    focus: await page.evaluate(() => document.activeElement.id),
  };
  expect(results.editor.after_remove.editors === 4 && results.editor.after_remove.captions[1] === texts.image.replace("{number}", "2"), "remove and number again");
  // Tap targets of the editor: at least 44 x 44 px; nothing wider than the screen.
  results.editor.small_targets = await page.$$eval(".attach-editor button, .attach-editor label.choice", (els) =>
    els.map((e) => e.getBoundingClientRect()).filter((r) => r.width < 43.5 || r.height < 43.5).map((r) => `${Math.round(r.width)}x${Math.round(r.height)}`),
  );
  results.editor.page_width = await page.evaluate(() => document.documentElement.scrollWidth);
  results.editor.canvas = await page.$eval(".attach-canvas", (c) => {
    const r = c.getBoundingClientRect();
    return { css: `${Math.round(r.width)}x${Math.round(r.height)}`, pixels: `${c.width}x${c.height}`, touch_action: getComputedStyle(c).touchAction, tabindex: c.tabIndex };
  });
  expect(results.editor.small_targets.length === 0, `small targets ${results.editor.small_targets}`);
  expect(results.editor.page_width <= 360, `the page is ${results.editor.page_width} px wide`);
  await page.screenshot({ path: join(out, "editor-ar.png"), fullPage: true });
  // Undo with nothing to undo: nothing happens; one black-out by keyboard, then undone
  // with the button.
  await page.focus(".attach-editor:first-child .attach-canvas");
  await page.keyboard.press("Enter");
  await page.waitForFunction((t) => document.querySelector(".attach-editor .attach-status").textContent === t, texts.doneBlack, { timeout: 60000 });
  const afterEdit = (await page.textContent(".attach-editor:first-child .attach-status")).trim();
  await page.click(".attach-editor:first-child .attach-undo");
  await page.waitForFunction(() => JSON.parse(document.querySelector(".attach-editor").dataset.edits).length === 0, null, { timeout: 60000 });
  await page.waitForFunction((t) => document.querySelector(".attach-editor .attach-status").textContent === t, texts.undone);
  results.editor.keyboard_then_undo = [afterEdit, (await page.textContent(".attach-editor:first-child .attach-status")).trim()];
  expect(afterEdit === texts.doneBlack, `after Enter: ${afterEdit}`);
  await ui.close();
}

// --- The report page, as tests/e2e_browser.rs drives it: attachments.mjs -----------------
// Not spawnSync: the stand-in server runs in this process and must answer meanwhile.
const cli = await new Promise((resolve) =>
  execFile("node", [join(here, "../attachments.mjs"), base, fixtures, join(out, "shots")], { cwd: join(here, ".."), maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
    resolve({ status: error ? error.code || 1 : 0, stdout, stderr }),
  ),
);
if (!expect(cli.status === 0, `attachments.mjs failed: ${cli.stderr}`)) {
  results.attachments_mjs = cli.stdout;
} else {
  const seen = JSON.parse(cli.stdout);
  results.attachments_mjs = seen;
  expect(seen.external_requests.length === 0 && seen.overflow.length === 0 && seen.errors.length === 0, "attachments.mjs: requests elsewhere, overflow or errors");
  for (const [page, violations] of Object.entries(seen.axe)) expect(violations.length === 0, `axe on ${page}: ${violations}`);
  const decrypter = new Decrypter();
  decrypter.addIdentity(server.identity);
  const chosen = decodePng(readFileSync(join(fixtures, "screenshot.png")));
  const posts = server.received.filter((r) => r.parts);
  results.received = [];
  for (const [index, lang] of ["fr", "ar"].entries()) {
    const post = posts[index];
    if (!expect(post, `nothing received for ${lang}`)) continue;
    const names = post.parts.map((p) => p.name);
    const headersOk = post.parts.every((p) => p.headers.length === 2 && p.headers[0] === `Content-Disposition: form-data; name="${p.name}"` && p.headers[1] === "Content-Type: application/octet-stream");
    const reportFramed = await decrypter.decrypt(post.parts[0].bytes);
    const report = JSON.parse(Buffer.from(reportFramed.subarray(4, 4 + Buffer.from(reportFramed).readUInt32BE(0))).toString("utf8"));
    const images = unframeAttachments(await decrypter.decrypt(post.parts[1].bytes));
    const entry = report.attachments?.[0];
    const image = Buffer.from(images);
    const problems = entry ? checkEdits(chosen, decodePng(image), seen[lang].edits) : ["no entry"];
    const checks = {
      lang,
      parts: names.join(","),
      part_headers_ok: headersOk,
      paid_for_exact_length: post.paidFor === post.length,
      report_language: report.language,
      narrative: report.narrative,
      member_order_last: Object.keys(report).at(-1),
      entry,
      sha256_matches: entry && entry.sha256 === hex(sha256(images)) && entry.size === images.length,
      attachments_file_bytes: post.parts[1].bytes.length,
      edits: seen[lang].edits,
      pixels: problems.length === 0 ? "only the rectangles changed" : problems,
    };
    results.received.push(checks);
    expect(names.join(",") === "report,attachments" && headersOk && checks.paid_for_exact_length, `${lang}: the multipart body`);
    expect(report.language === lang && report.narrative.startsWith(`ATTACHMENTS-${lang}`) && checks.member_order_last === "attachments", `${lang}: the report`);
    expect(checks.sha256_matches && entry.type === "image/png", `${lang}: the entry ${JSON.stringify(entry)}`);
    expect(problems.length === 0, `${lang}: pixels ${problems.join("; ")}`);
    expect(seen[lang].edits.length === 2 && seen[lang].edits[0].tool === "blur" && seen[lang].edits[1].tool === "black", `${lang}: edits ${JSON.stringify(seen[lang].edits)}`);
  }
}

// --- A report without images: one age file, as before -----------------------------------
{
  const plainContext = await browser.newContext(phone);
  const page = await slowPage(plainContext, "/fr/r");
  await page.fill("#date", "2026-11-20");
  await page.check("input[name=category][value=threats]");
  await page.selectOption("#severity", "risky");
  await page.fill("#narrative", "NO-IMAGES");
  const before = server.received.length;
  await Promise.all([page.waitForURL(/\/fr\/r\/ok/, { timeout: 60000 }), page.click("#report-form button[type=submit]")]);
  const post = server.received[before];
  results.without_images = { type: post?.type, age: post?.report?.subarray(0, 21).toString("latin1"), paid_for_exact_length: post?.paidFor === post?.length };
  expect(post && post.type === "application/octet-stream" && results.without_images.age === "age-encryption.org/v1", `without images: ${JSON.stringify(results.without_images)}`);
  await plainContext.close();
}
await browser.close();
await server.close();

// --- Vectors ---------------------------------------------------------------------------
{
  const cliPath = join(repo, "server/web-js/src/attachments-cli.mjs");
  const file = join(out, "attachments-vectors.json");
  execFileSync("node", [join(here, "make-vectors.mjs"), file]);
  const good = spawnSync("node", [cliPath, "vectors", file], { encoding: "utf8" });
  const vectors = JSON.parse(readFileSync(file, "utf8"));
  vectors.framing[3].bucket = 1234;
  vectors.unframe[0].ok = false;
  writeFileSync(join(out, "attachments-vectors-wrong.json"), JSON.stringify(vectors));
  const bad = spawnSync("node", [cliPath, "vectors", join(out, "attachments-vectors-wrong.json")], { encoding: "utf8" });
  // And the file client-lib writes (tests/vectors/attachments.json), if it is there.
  const rust = join(repo, "tests/vectors/attachments.json");
  const real = existsSync(rust) ? spawnSync("node", [cliPath, "vectors", rust], { encoding: "utf8" }) : null;
  results.vectors = {
    good: { status: good.status, out: JSON.parse(good.stdout) },
    wrong_file: { status: bad.status, failures: JSON.parse(bad.stdout).failures.length },
    client_lib_file: real ? { status: real.status, out: JSON.parse(real.stdout) } : "absent",
  };
  expect(good.status === 0 && bad.status === 1 && results.vectors.wrong_file.failures === 2, "attachments-cli.mjs vectors");
  expect(!real || (real.status === 0 && JSON.parse(real.stdout).failures.length === 0), `tests/vectors/attachments.json: ${real && real.stdout}`);
  const rules = JSON.parse(execFileSync("node", [join(repo, "server/web-js/src/report-rules-cli.mjs"), join(repo, "tests/vectors/reports")], { encoding: "utf8" }));
  const { cases } = JSON.parse(readFileSync(join(repo, "tests/vectors/reports/cases.json"), "utf8"));
  const disagree = cases.filter((c) => JSON.stringify(rules[c.file]) !== JSON.stringify(c.expect));
  results.report_rule_vectors = { cases: cases.length, disagree: disagree.map((c) => c.file) };
  expect(disagree.length === 0, `report rule vectors: ${disagree.map((c) => c.file)}`);
}
results.bundles = Object.fromEntries(["jasmine.js", "worker.js", "check.js"].map((f) => [f, statSync(join(repo, "server/static", f)).size]));

console.log(JSON.stringify(results, null, 1));
if (results.failures.length > 0) process.exitCode = 1;
