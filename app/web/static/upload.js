// The console's upload box: a file picker and "Upload and index" (sending: uploader.js, put before this
// module by app/web/uploads.py).
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

  let sending = false;
  const { ask, send } = uploadChannel(model);
  const show = (text, tone) => { note.textContent = text; note.dataset.tone = tone || ""; };
  const update = () => { button.disabled = sending || model.busy; };
  model.on("change:busy", update);

  button.addEventListener("click", async () => {
    const files = Array.from(input.files || []);
    if (!files.length) {
      show("Choose one or more files first.", "bad");
      return;
    }
    sending = true;
    update();
    try {
      const refused = await uploadFiles(files, {
        maxBytes: model.max_bytes, maxLabel: model.max_label, partBytes: model.part_bytes, ask, send, show,
      });
      if (refused !== null) {
        const sent = refused.length < files.length;
        show(refused.length ? refused.join(" ") : sent ? "Sent; indexing…" : "", refused.length ? "bad" : "");
      }
      input.value = "";
    } catch (err) {
      show(`The upload stopped: ${err}. Choose the files again.`, "bad");
    } finally {
      sending = false;
      update();
    }
  });
}
