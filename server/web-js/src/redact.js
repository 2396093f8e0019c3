// The editor of one chosen image (docs/PROTOCOL.md §4.12): she sees it exactly as it
// will be sent (the scrubbed file, decoded again), and may black out or blur
// rectangles of it: a face, a name in a status bar. A rectangle is drawn with a finger
// or the mouse, or with the keyboard: the canvas takes the focus; the arrows move a
// frame (Shift: bigger steps), Alt (Option) + arrows or + and − change its size, Enter
// applies the tool; Ctrl+Z (or the Undo button) takes the last change back.
//
// The preview is small; the edits are not made on it. Each change scrubs her file again
// from the start with every edit so far (scrub.js, in the Web Worker), in the sent
// image's pixels: a JPEG is encoded once, whatever the number of changes, and nothing
// outside a rectangle moves. Undo is at once: the previous result is kept.
//
// Every text comes from the page (data- attributes of the images' fieldset, in her
// language): data-image ({number}), data-tools, data-tool-black, data-tool-blur,
// data-undo, data-remove, data-applying, data-done-black, data-done-blur, data-undone,
// data-edit-failed.

import { clampRect, editPixels, fitSize } from "./scrub.js";

let editors = 0;

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The box (screen pixels) an image's preview fits in, for a list `width` CSS pixels
 *  wide: that width, and 60% of the screen's height. scrubImage makes the preview. */
export function previewBox(width) {
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  return { width: Math.round(width * dpr), height: Math.round(0.6 * (globalThis.innerHeight || 740) * dpr) };
}

/**
 * An editor for one scrubbed image → {element, setNumber(n), ready(), edits()}.
 *   first: the first scrub {bytes, type, width, height, preview} (preview fitted to
 *     `box`, or absent: then it is made here);
 *   scrub(edits): the same file scrubbed again with `edits` → a Promise of the same;
 *   texts: the fieldset's dataset; box: previewBox(…); onRemove(): she asked to remove it.
 * ready() waits for the changes under way → the result to send.
 */
export function createEditor({ first, scrub, texts, box, onRemove }) {
  const id = ++editors;
  const W = first.width;
  const H = first.height;
  const results = [first];
  const edits = [];
  let planned = 0; // edits counting those still being applied
  let pending = Promise.resolve();

  const caption = element("p", { class: "attach-caption", id: "attach-caption-" + id });
  const canvas = element("canvas", {
    class: "attach-canvas",
    tabindex: "0",
    role: "application",
    "aria-labelledby": caption.id,
    "aria-describedby": "attach-how",
  });
  const tool = (value, text, checked) => {
    const input = element("input", { type: "radio", name: "attach-tool-" + id, value });
    input.checked = checked;
    return element("label", { class: "choice" }, input, " " + text);
  };
  const legendId = "attach-tools-" + id;
  const tools = element(
    "div",
    { class: "choices attach-tools", role: "radiogroup", "aria-labelledby": legendId },
    tool("black", texts.toolBlack, true),
    tool("blur", texts.toolBlur, false),
  );
  const undo = element("button", { type: "button", class: "attach-undo", "aria-disabled": "true" }, texts.undo);
  const remove = element("button", { type: "button", class: "secondary attach-remove" }, texts.remove);
  const status = element("p", { class: "attach-status", role: "status" });
  const root = element(
    "li",
    { class: "attach-editor", "data-edits": "[]" },
    caption,
    canvas,
    element("p", { class: "attach-tools-label", id: legendId }, texts.tools),
    tools,
    element("div", { class: "attach-actions" }, undo, remove),
    status,
  );

  // The preview: fits the box, sharp on the screen's pixels, never larger than the image.
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const { width: pw, height: ph } = first.preview ? first.preview : fitSize(W, H, box);
  const scale = pw / W;
  canvas.width = pw;
  canvas.height = ph;
  const view = canvas.getContext("2d");
  const base = document.createElement("canvas");
  base.width = pw;
  base.height = ph;
  const baseView = base.getContext("2d", { willReadFrequently: true });
  baseView.imageSmoothingQuality = "high";

  // The frame the keyboard moves, in the image's pixels: a third of it, centred.
  const selection = { w: Math.max(1, Math.round(W / 3)), h: Math.max(1, Math.round(H / 3)) };
  selection.x = Math.round((W - selection.w) / 2);
  selection.y = Math.round((H - selection.h) / 2);
  let drag = null;
  let usingKeys = false;

  const say = (text) => {
    status.textContent = text;
  };
  const chosenTool = () => (root.querySelector("input[type=radio]:checked") || { value: "black" }).value;

  function outline(rect) {
    const x = rect.x * scale;
    const y = rect.y * scale;
    const w = Math.max(1, rect.w * scale);
    const h = Math.max(1, rect.h * scale);
    view.save();
    view.lineWidth = 2 * dpr;
    view.strokeStyle = "#000";
    view.strokeRect(x, y, w, h);
    view.setLineDash([5 * dpr, 4 * dpr]);
    view.strokeStyle = "#ffbf47";
    view.strokeRect(x, y, w, h);
    view.restore();
  }

  function redraw() {
    view.drawImage(base, 0, 0);
    if (drag) outline(dragRect());
    else if (usingKeys && document.activeElement === canvas) outline(selection);
  }

  // The preview of a result: made with it in the worker (drawn as it is); else decoded
  // here and scaled down on the page.
  async function show(result) {
    if (result.preview) {
      baseView.drawImage(result.preview, 0, 0, pw, ph);
    } else {
      const bitmap = await createImageBitmap(new Blob([result.bytes], { type: result.type }));
      baseView.drawImage(bitmap, 0, 0, pw, ph);
      bitmap.close();
    }
    redraw();
  }
  const drop = (result) => result.preview && result.preview.close && result.preview.close();

  // At once, on the preview only, while the image is made again: what the change will do.
  function sketch(edit) {
    const rect = clampRect({ x: edit.x * scale, y: edit.y * scale, w: edit.w * scale, h: edit.h * scale }, pw, ph);
    if (!rect) return;
    const pixels = baseView.getImageData(rect.x, rect.y, rect.w, rect.h);
    editPixels(pixels.data, rect.w, rect.h, edit.tool);
    baseView.putImageData(pixels, rect.x, rect.y);
    redraw();
  }

  const setUndo = () => undo.setAttribute("aria-disabled", String(planned === 0));
  const keepEdits = () => {
    root.dataset.edits = JSON.stringify(edits);
  };

  function enqueue(work) {
    pending = pending.then(work).catch(async () => {
      say(texts.editFailed);
      await show(results[results.length - 1]).catch(() => {});
    });
    return pending;
  }

  function apply(rect, toolName) {
    const clamped = clampRect(rect, W, H);
    if (!clamped) return;
    const edit = { tool: toolName, ...clamped };
    planned += 1;
    setUndo();
    sketch(edit);
    say(texts.applying);
    enqueue(async () => {
      let result;
      try {
        result = await scrub([...edits, edit]);
      } catch (error) {
        planned = Math.max(0, planned - 1);
        setUndo();
        throw error;
      }
      edits.push(edit);
      results.push(result);
      keepEdits();
      await show(result);
      say(toolName === "blur" ? texts.doneBlur : texts.doneBlack);
    });
  }

  function takeBack() {
    if (planned === 0) return;
    planned -= 1;
    setUndo();
    enqueue(async () => {
      if (edits.length === 0) return;
      edits.pop();
      drop(results.pop());
      keepEdits();
      await show(results[results.length - 1]);
      say(texts.undone);
    });
  }

  // --- Finger and mouse ---------------------------------------------------------------

  const toImage = (event) => {
    const box = canvas.getBoundingClientRect();
    return {
      x: Math.max(0, Math.min(W, ((event.clientX - box.left) / box.width) * W)),
      y: Math.max(0, Math.min(H, ((event.clientY - box.top) / box.height) * H)),
    };
  };
  function dragRect() {
    return {
      x: Math.min(drag.from.x, drag.to.x),
      y: Math.min(drag.from.y, drag.to.y),
      w: Math.abs(drag.to.x - drag.from.x),
      h: Math.abs(drag.to.y - drag.from.y),
    };
  }
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    usingKeys = false;
    const at = toImage(event);
    drag = { from: at, to: at };
    canvas.setPointerCapture(event.pointerId);
    redraw();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    drag.to = toImage(event);
    redraw();
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!drag) return;
    drag.to = toImage(event);
    const rect = clampRect(dragRect(), W, H);
    drag = null;
    // A tap is not a rectangle: at least 4 pixels of the preview each way.
    if (rect && rect.w * scale >= 4 && rect.h * scale >= 4) {
      Object.assign(selection, rect);
      apply(rect, chosenTool());
    } else {
      redraw();
    }
  });
  canvas.addEventListener("pointercancel", () => {
    drag = null;
    redraw();
  });

  // --- Keyboard -----------------------------------------------------------------------

  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const least = Math.max(1, Math.round(Math.max(W, H) / 50));
  function resize(dw, dh) {
    selection.w = Math.max(least, Math.min(W - selection.x, selection.w + dw));
    selection.h = Math.max(least, Math.min(H - selection.y, selection.h + dh));
    if (selection.x + selection.w > W) selection.x = Math.max(0, W - selection.w);
    if (selection.y + selection.h > H) selection.y = Math.max(0, H - selection.h);
  }
  canvas.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey) return;
    const step = least * (event.shiftKey ? 5 : 1);
    const arrow = ARROWS[event.key];
    if (arrow && event.altKey) {
      resize(arrow[0] * step, arrow[1] * step);
    } else if (arrow) {
      selection.x = Math.max(0, Math.min(W - selection.w, selection.x + arrow[0] * step));
      selection.y = Math.max(0, Math.min(H - selection.h, selection.y + arrow[1] * step));
    } else if (event.key === "+" || event.key === "=") {
      resize(step, step);
    } else if (event.key === "-" || event.key === "_" || event.key === "−") {
      resize(-step, -step);
    } else if (event.key === "Enter") {
      apply({ ...selection }, chosenTool());
    } else {
      return;
    }
    event.preventDefault();
    usingKeys = true;
    redraw();
  });
  canvas.addEventListener("focus", () => {
    usingKeys = canvas.matches(":focus-visible");
    redraw();
  });
  canvas.addEventListener("blur", redraw);
  root.addEventListener("keydown", (event) => {
    const z = event.key === "z" || event.key === "Z" || (!/^[a-z]$/i.test(event.key) && event.code === "KeyZ");
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && z) {
      event.preventDefault();
      takeBack();
    }
  });

  undo.addEventListener("click", takeBack);
  remove.addEventListener("click", () => onRemove());

  show(first);
  return {
    element: root,
    setNumber(number) {
      caption.textContent = texts.image.replace("{number}", String(number));
    },
    async ready() {
      let seen;
      do {
        seen = pending;
        await pending;
      } while (seen !== pending);
      return results[results.length - 1];
    },
    edits: () => edits.map((e) => ({ ...e })),
  };
}
