// The console's upload box: sizes are checked here before anything is sent, then each file travels in
// parts of `part_bytes`, one websocket message each, and the server acknowledges every part.
function mb(bytes) {
  return (bytes / 1048576).toFixed(1) + " MB";
}

// A size over `limit` that one decimal would round down to the limit is shown in bytes.
function overText(bytes, limit) {
  const rounded = Number((bytes / 1048576).toFixed(1)) * 1048576;
  return rounded <= limit ? `${bytes.toLocaleString("en")} bytes` : mb(bytes);
}

function readPart(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "upload-box";
  const input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.accept = model.accept;
  input.setAttribute("aria-label", "Files to upload");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "upload-go";
  button.textContent = "Upload and index";
  const note = document.createElement("p");
  note.className = "upload-note";
  note.id = "upload-note";
  note.setAttribute("role", "status");
  box.append(input, button, note);
  el.append(box);

  let waiting = null;
  let sending = false;
  model.on("msg:custom", (msg) => {
    const resolve = waiting;
    waiting = null;
    if (resolve) resolve(msg);
  });
  const ask = (msg) => new Promise((resolve) => { waiting = resolve; model.send_msg(msg); });
  const show = (text, tone) => { note.textContent = text; note.dataset.tone = tone || ""; };
  const update = () => { button.disabled = sending || model.busy; };
  model.on("change:busy", update);

  button.addEventListener("click", async () => {
    const files = Array.from(input.files || []);
    if (!files.length) {
      show("Choose one or more files first.", "bad");
      return;
    }
    const refused = files.filter((f) => f.size > model.max_bytes).map((f) =>
      `${f.name} is ${overText(f.size, model.max_bytes)}: larger than the upload limit of ${model.max_label}; it was not sent.`);
    const chosen = files.filter((f) => f.size <= model.max_bytes);
    sending = true;
    update();
    try {
      await ask({ op: "start", refused });
      for (const file of chosen) {
        const ready = await ask({ op: "begin", name: file.name, size: file.size });
        if (ready.op !== "ready") continue;
        let ok = true;
        for (let start = 0; start < file.size; start += model.part_bytes) {
          const data = await readPart(file.slice(start, start + model.part_bytes));
          const ack = await ask({ op: "part", data });
          if (ack.op !== "ack") { ok = false; break; }
          show(`Sending ${file.name}: ${mb(ack.received)} of ${mb(file.size)}…`);
        }
        if (ok) await ask({ op: "end" });
      }
      show(refused.length ? refused.join(" ") : chosen.length ? "Sent; indexing…" : "", refused.length ? "bad" : "");
      model.send_msg({ op: "done" });
      input.value = "";
    } catch (err) {
      show(`The upload stopped: ${err}. Choose the files again.`, "bad");
    } finally {
      sending = false;
      update();
    }
  });
}
