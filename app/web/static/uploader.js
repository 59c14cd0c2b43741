// Sending files in parts, shared by the console's upload box (upload.js) and the chat's documents panel
// (documents.js); the server's side is app/web/uploads.py. Sizes are checked here before anything is
// sent, then each file travels in parts of `partBytes`, one websocket message each, and the server
// answers every message (`ask` sends one and waits for its reply).

// A component's upload messages: `send(msg)` sends `wrap(msg)`; `ask(msg)` sends it and resolves with the
// server's next message (one request at a time: the uploader waits for each reply before the next).
function uploadChannel(model, wrap = (msg) => msg) {
  let waiting = null;
  model.on("msg:custom", (msg) => {
    const resolve = waiting;
    waiting = null;
    if (resolve) resolve(msg);
  });
  const send = (msg) => model.send_msg(wrap(msg));
  const ask = (msg) => new Promise((resolve) => {
    waiting = resolve;
    send(msg);
  });
  return { ask, send };
}
function uploadMb(bytes) {
  return (bytes / 1048576).toFixed(1) + " MB";
}

// A size over `limit` that one decimal would round down to the limit is shown in bytes.
function uploadOverText(bytes, limit) {
  const rounded = Number((bytes / 1048576).toFixed(1)) * 1048576;
  return rounded <= limit ? `${bytes.toLocaleString("en")} bytes` : uploadMb(bytes);
}

function uploadReadPart(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// Send `files`; `show(text, tone)` reports progress. Returns the browser's own refusals (too large), or
// null when the server refused the whole upload (its reason already shown).
async function uploadFiles(files, { maxBytes, maxLabel, partBytes, ask, send, show, start }) {
  const refused = files.filter((f) => f.size > maxBytes).map((f) =>
    `${f.name} is ${uploadOverText(f.size, maxBytes)}: larger than the upload limit of ${maxLabel}; it was not sent.`);
  const chosen = files.filter((f) => f.size <= maxBytes);
  const started = await ask({ op: "start", refused, ...(start || {}) });
  if (started.op !== "started") {
    show(started.reason || "The server refused the upload.", "bad");
    return null;
  }
  for (const file of chosen) {
    const ready = await ask({ op: "begin", name: file.name, size: file.size });
    if (ready.op !== "ready") continue;
    let ok = true;
    for (let at = 0; at < file.size; at += partBytes) {
      const data = await uploadReadPart(file.slice(at, at + partBytes));
      const ack = await ask({ op: "part", data });
      if (ack.op !== "ack") { ok = false; break; }
      show(`Sending ${file.name}: ${uploadMb(ack.received)} of ${uploadMb(file.size)}…`);
    }
    if (ok) await ask({ op: "end" });
  }
  send({ op: "done" });
  return refused;
}
