// The pictures the attachment tests choose, made here (nothing binary is kept in the
// repository): small photos drawn by Chromium with a known colour in each corner, given
// with exiftool everything a phone puts in a photo (GPS, the camera's serial number, XMP,
// an embedded thumbnail, an ICC profile, a comment, an EXIF orientation), a 12-megapixel
// photo, and the files that must be refused: cut short, a decompression bomb, too large,
// not an image; and a JPEG with a ZIP after it, which is scrubbed (the ZIP is dropped).
//
//   await makeFixtures(dir, browser) → {name: path}
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { encodePng, screenshotPng } from "../png.mjs";

/** The corner colours of the small photos (64 x 48, as stored): top-left red, top-right
 *  green, bottom-left blue, bottom-right yellow, grey elsewhere. */
export const CORNERS = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 0] };

// A minimal ICC v2 display profile (sRGB primaries, gamma 1.0): enough for exiftool to
// write it and for Chromium to apply it (mid-grey comes out lighter).
function iccProfile() {
  const s15 = (v) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(Math.round(v * 65536));
    return b;
  };
  const xyz = (x, y, z) => Buffer.concat([Buffer.from("XYZ "), Buffer.alloc(4), s15(x), s15(y), s15(z)]);
  const curv = Buffer.concat([Buffer.from("curv"), Buffer.alloc(4), Buffer.from([0, 0, 0, 1, 1, 0, 0, 0])]);
  const name = Buffer.from("Jasmine test\0");
  const count = Buffer.alloc(4);
  count.writeUInt32BE(name.length);
  const desc = Buffer.concat([Buffer.from("desc"), Buffer.alloc(4), count, name, Buffer.alloc(78)]);
  const cprt = Buffer.concat([Buffer.from("text"), Buffer.alloc(4), Buffer.from("none\0")]);
  const tags = [
    ["desc", desc], ["cprt", cprt], ["wtpt", xyz(0.9642, 1, 0.8249)], ["rXYZ", xyz(0.4361, 0.2225, 0.0139)],
    ["gXYZ", xyz(0.3851, 0.7169, 0.0971)], ["bXYZ", xyz(0.1431, 0.0606, 0.7141)], ["rTRC", curv], ["gTRC", curv], ["bTRC", curv],
  ];
  let offset = 128 + 4 + 12 * tags.length;
  const table = [Buffer.alloc(4)];
  table[0].writeUInt32BE(tags.length);
  const data = [];
  for (const [sig, body] of tags) {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const entry = Buffer.alloc(12);
    entry.write(sig, 0, "latin1");
    entry.writeUInt32BE(offset, 4);
    entry.writeUInt32BE(body.length, 8);
    table.push(entry);
    data.push(padded);
    offset += padded.length;
  }
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write("mntr", 12);
  header.write("RGB ", 16);
  header.write("XYZ ", 20);
  header.write("acsp", 36);
  s15(0.9642).copy(header, 68);
  s15(1).copy(header, 72);
  s15(0.8249).copy(header, 76);
  return Buffer.concat([header, ...table, ...data]);
}

// A ZIP archive of one stored file (no compression), as a polyglot's tail.
function zipOf(name, text) {
  const data = Buffer.from(text);
  const fileName = Buffer.from(name);
  const crc = (() => {
    let c = 0xffffffff;
    for (const b of data) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  })();
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + fileName.length, 12);
  end.writeUInt32LE(30 + fileName.length + data.length, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

// Pictures drawn and encoded by Chromium's own encoders, as base64.
async function draw(browser) {
  const page = await browser.newPage();
  await page.goto("about:blank");
  const made = await page.evaluate(async () => {
    const bytes = async (canvas, type, quality) => {
      const buffer = new Uint8Array(await (await canvas.convertToBlob({ type, quality })).arrayBuffer());
      let binary = "";
      for (let i = 0; i < buffer.length; i += 8192) binary += String.fromCharCode(...buffer.subarray(i, i + 8192));
      return btoa(binary);
    };
    const small = new OffscreenCanvas(64, 48);
    const x = small.getContext("2d");
    x.fillStyle = "#808080";
    x.fillRect(0, 0, 64, 48);
    for (const [colour, cx, cy] of [["#f00", 0, 0], ["#0f0", 48, 0], ["#00f", 0, 36], ["#ff0", 48, 36]]) {
      x.fillStyle = colour;
      x.fillRect(cx, cy, 16, 12);
    }
    const thumb = new OffscreenCanvas(16, 12);
    thumb.getContext("2d").fillRect(0, 0, 16, 12);
    // A phone photo's worth of detail: gradients, shapes and noise, 4000 x 3000.
    const big = new OffscreenCanvas(4000, 3000);
    const b = big.getContext("2d");
    const gradient = b.createLinearGradient(0, 0, 4000, 3000);
    gradient.addColorStop(0, "#3a6ea5");
    gradient.addColorStop(0.5, "#e8c39e");
    gradient.addColorStop(1, "#2f4f2f");
    b.fillStyle = gradient;
    b.fillRect(0, 0, 4000, 3000);
    for (let i = 0; i < 400; i++) {
      b.fillStyle = `hsl(${(i * 47) % 360} 60% ${30 + (i % 40)}%)`;
      b.beginPath();
      b.arc((i * 977) % 4000, (i * 631) % 3000, 20 + (i % 90), 0, 7);
      b.fill();
    }
    const noise = b.getImageData(0, 0, 4000, 3000);
    let seed = 7;
    for (let i = 0; i < noise.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed >> 16) % 19 - 9;
      noise.data[i] += n;
      noise.data[i + 1] += n;
      noise.data[i + 2] += n;
    }
    b.putImageData(noise, 0, 0);
    return {
      jpg: await bytes(small, "image/jpeg", 0.95),
      webp: await bytes(small, "image/webp", 0.9),
      thumb: await bytes(thumb, "image/jpeg", 0.9),
      big: await bytes(big, "image/jpeg", 0.9),
    };
  });
  await page.close();
  return Object.fromEntries(Object.entries(made).map(([k, v]) => [k, Buffer.from(v, "base64")]));
}

function exiftool(args) {
  execFileSync("exiftool", ["-q", "-q", "-overwrite_original", ...args], { stdio: ["ignore", "ignore", "inherit"] });
}

/** Makes every fixture in `dir` → {name: path}. */
export async function makeFixtures(dir, browser) {
  mkdirSync(dir, { recursive: true });
  const path = (name) => join(dir, name);
  const made = await draw(browser);
  writeFileSync(path("thumb.jpg"), made.thumb);
  writeFileSync(path("profile.icc"), iccProfile());
  const phone = [
    "-GPSLatitude=48.85", "-GPSLatitudeRef=N", "-GPSLongitude=2.35", "-GPSLongitudeRef=E", "-SerialNumber=JAS123",
    "-XMP:Creator=Her", "-Comment=JASMINE-COMMENT", `-ThumbnailImage<=${path("thumb.jpg")}`, `-ICC_Profile<=${path("profile.icc")}`,
  ];
  // The photo of the brief: everything a phone adds, turned 90° clockwise by EXIF.
  writeFileSync(path("photo.jpg"), made.jpg);
  exiftool([...phone, "-Orientation#=6", path("photo.jpg")]);
  // Every EXIF orientation, for where each corner lands.
  for (let o = 1; o <= 8; o++) {
    writeFileSync(path(`orient-${o}.jpg`), made.jpg);
    exiftool([`-Orientation#=${o}`, "-GPSLatitude=48.85", "-GPSLatitudeRef=N", path(`orient-${o}.jpg`)]);
  }
  // A PNG with GPS (eXIf), XMP and an ICC profile (iCCP); pixels as the small photo's.
  writeFileSync(path("photo.png"), encodePng(64, 48, (x, y) => (x < 16 && y < 12 ? [255, 0, 0] : x >= 48 && y < 12 ? [0, 255, 0] : x < 16 && y >= 36 ? [0, 0, 255] : x >= 48 && y >= 36 ? [255, 255, 0] : [128, 128, 128])));
  exiftool(["-GPSLatitude=48.85", "-GPSLatitudeRef=N", "-XMP:Creator=Her", `-ICC_Profile<=${path("profile.icc")}`, path("photo.png")]);
  writeFileSync(path("photo.webp"), made.webp);
  writeFileSync(path("screenshot.png"), screenshotPng());
  writeFileSync(path("big12mp.jpg"), made.big);
  exiftool([...phone, "-Orientation#=1", path("big12mp.jpg")]);

  const photo = readFileSync(path("photo.jpg"));
  // Cut short: before the end of its image data, and inside its headers.
  writeFileSync(path("truncated.jpg"), photo.subarray(0, photo.length - 60));
  writeFileSync(path("truncated-header.jpg"), photo.subarray(0, 200));
  // A PNG that says 30000 x 30000 (900 megapixels, 3.6 GB once decoded) in 100 bytes.
  {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(30000, 0);
    ihdr.writeUInt32BE(30000, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const chunk = (type, data) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, "latin1");
      data.copy(out, 8);
      return out; // the CRC is not checked before the size is
    };
    writeFileSync(path("bomb.png"), Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(30000 * 3 + 1))), chunk("IEND", Buffer.alloc(0)),
    ]));
  }
  // A JPEG whose frame header says 20000 pixels wide (a side beyond 16384).
  {
    const wide = Buffer.from(made.jpg);
    for (let i = 2; i < wide.length; ) {
      const marker = wide[i + 1];
      const length = wide.readUInt16BE(i + 2);
      if (marker === 0xc0 || marker === 0xc2) {
        wide.writeUInt16BE(20000, i + 7);
        break;
      }
      i += 2 + length;
    }
    writeFileSync(path("wide.jpg"), wide);
  }
  // WebP: Chromium writes the extended form (VP8X, with its ICC profile); the simple
  // lossy form is its VP8 chunk alone. Each also saying 20000 x 20000, or 16383 x 16383.
  {
    const webp = made.webp;
    const riff = (chunks) => {
      const body = Buffer.concat([Buffer.from("WEBP"), ...chunks]);
      const head = Buffer.alloc(8);
      head.write("RIFF", 0, "latin1");
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    let vp8 = null;
    for (let i = 12; i + 8 <= webp.length; ) {
      const size = webp.readUInt32LE(i + 4);
      if (webp.toString("latin1", i, i + 4) === "VP8 ") vp8 = webp.subarray(i, i + 8 + size + (size & 1));
      i += 8 + size + (size & 1);
    }
    writeFileSync(path("photo-vp8.webp"), riff([vp8]));
    const simpleBomb = riff([vp8]);
    simpleBomb.writeUInt16LE(16383, 26);
    simpleBomb.writeUInt16LE(16383, 28);
    writeFileSync(path("bomb-vp8.webp"), simpleBomb);
    const extendedBomb = Buffer.from(webp);
    extendedBomb.writeUIntLE(19999, 24, 3);
    extendedBomb.writeUIntLE(19999, 27, 3);
    writeFileSync(path("bomb.webp"), extendedBomb);
  }
  // 12 MiB: a photo and zeros after it.
  writeFileSync(path("huge.jpg"), Buffer.concat([photo, Buffer.alloc(12 * 1024 * 1024)]));
  // A polyglot: a JPEG, then a ZIP. Scrubbed, it is the photo alone.
  writeFileSync(path("polyglot.jpg"), Buffer.concat([photo, zipOf("secret.txt", "POLYGLOT-SECRET")]));
  // An HTML page named .png.
  writeFileSync(path("page.png"), "<!doctype html><title>x</title><script>alert(1)</script><p>not an image</p>\n");
  return dir;
}
