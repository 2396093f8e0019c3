import { launch, phone } from "./harness.mjs";
const browser = await launch();
for (const mode of ["resize-high", "resize-medium", "resize-pixelated", "full+draw", "worker-bitmap"]) {
const context = await browser.newContext(phone);
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
await page.goto("http://127.0.0.1:38599/ar/r");
const r = await page.evaluate(async (mode) => {
  const blob = await (await fetch("/fixtures/big12mp.jpg")).blob();
  await new Promise((r) => setTimeout(r, 500));
  const tasks = []; const t0 = performance.now();
  new PerformanceObserver((l) => { for (const e of l.getEntries()) tasks.push(Math.round(e.duration)); }).observe({ type: "longtask" });
  const c = document.createElement("canvas"); c.width = 588; c.height = 441; const x = c.getContext("2d");
  let bm;
  if (mode === "full+draw") { bm = await createImageBitmap(blob); x.drawImage(bm, 0, 0, 588, 441); }
  else if (mode === "worker-bitmap") {
    const src = "onmessage = async (e) => { const b = await createImageBitmap(e.data, { resizeWidth: 588, resizeHeight: 441, resizeQuality: 'high' }); postMessage(b, [b]); }";
    const w = new Worker(URL.createObjectURL(new Blob([src]))); w.postMessage(blob);
    bm = await new Promise((r) => (w.onmessage = (e) => r(e.data))); x.drawImage(bm, 0, 0);
  } else { bm = await createImageBitmap(blob, { resizeWidth: 588, resizeHeight: 441, resizeQuality: mode.split("-")[1] }); x.drawImage(bm, 0, 0); }
  const total = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  return { total: Math.round(total), tasks };
}, mode);
console.log(mode, JSON.stringify(r));
await context.close();
}
await browser.close();
