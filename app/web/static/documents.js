// The indexed documents: title, type, pages, collection; a search box; "Ask about this" scopes the next
// questions to one document; "Quiz me" (when the server makes quizzes) opens a quiz on it. All values go in through textContent. Pages whose login may add documents
// (editors, the admin) get `model.upload` and an "Add documents" box; its files are sent in parts by
// `uploadFiles` (static/uploader.js, put before this module) on this panel's own message channel
// (`uploadChannel`). The header comes from `panelHead` (static/panel_head.js).

export function render({ model, el }) {
  const panel = document.createElement("aside");
  panel.className = "docs-view";
  panel.setAttribute("aria-label", "Documents");
  const head = panelHead(model, {
    className: "panel-head", title: "Documents",
    closeTitle: "Close the documents (Esc)", closeLabel: "Close the documents",
  });
  const search = document.createElement("input");
  search.type = "search";
  search.className = "doc-search";
  search.placeholder = "Search by title, file or collection";
  search.setAttribute("aria-label", "Search the documents");
  const count = document.createElement("p");
  count.className = "empty-note";
  const list = document.createElement("ul");
  list.className = "doc-list";
  const adder = document.createElement("section");
  adder.className = "doc-upload";
  adder.setAttribute("aria-label", "Add documents");
  panel.append(head, adder, search, count, list);

  const { ask, send } = uploadChannel(model, (msg) => ({ kind: "upload", ...msg }));

  // Built once (a refresh after indexing keeps the chosen collection and the last message); updated
  // when the server changes the limits or the known collections.
  let controls = null;
  function drawUpload() {
    const u = model.upload || {};
    adder.hidden = !u.max_bytes;
    if (!u.max_bytes) {
      adder.replaceChildren();
      controls = null;
      return;
    }
    if (!controls) controls = buildUpload();
    const { input, name, known } = controls;
    input.accept = u.accept || "";
    if (!name.dataset.edited) name.value = u.collection || "";
    known.replaceChildren();
    for (const c of u.collections || []) {
      const option = document.createElement("option");
      option.value = c;
      known.appendChild(option);
    }
  }

  function buildUpload() {
    const limits = () => model.upload || {};
    const h = document.createElement("h3");
    h.textContent = "Add documents";
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.setAttribute("aria-label", "Files to add");
    const label = document.createElement("label");
    label.textContent = "Collection";
    const name = document.createElement("input");
    name.type = "text";
    name.className = "upload-collection";
    name.setAttribute("list", "upload-collections");
    name.addEventListener("input", () => { name.dataset.edited = "1"; });
    const known = document.createElement("datalist");
    known.id = "upload-collections";
    label.append(name, known);
    const go = document.createElement("button");
    go.type = "button";
    go.className = "upload-go";
    go.textContent = "Upload and index";
    const note = document.createElement("p");
    note.className = "upload-note";
    note.setAttribute("role", "status");
    note.textContent = `PDF, Markdown, text, HTML or DOCX, up to ${limits().max_label} each.`;
    const show = (text, tone) => { note.textContent = text; note.dataset.tone = tone || ""; };
    go.addEventListener("click", async () => {
      const files = Array.from(input.files || []);
      if (!files.length) {
        show("Choose one or more files first.", "bad");
        return;
      }
      const u = limits();
      go.disabled = true;
      try {
        const refused = await uploadFiles(files, {
          maxBytes: u.max_bytes, maxLabel: u.max_label, partBytes: u.part_bytes, ask, send, show,
          start: { collection: name.value },
        });
        if (refused !== null) {
          show(refused.length ? refused.join(" ") : "Sent; indexing — the result is in the chat.",
            refused.length ? "bad" : "");
          input.value = "";
        }
      } catch (err) {
        show(`The upload stopped: ${err}. Choose the files again.`, "bad");
      } finally {
        go.disabled = false;
      }
    });
    adder.replaceChildren(h, input, label, go, note);
    return { input, name, known };
  }

  function facts(d) {
    const parts = [d.name, d.type];
    if (d.pages) parts.push(`${d.pages} page${d.pages === 1 ? "" : "s"}`);
    parts.push(`collection ${d.collection}`);
    return parts.join(" · ");
  }

  function draw() {
    const query = search.value.trim().toLowerCase();
    const docs = (model.documents || []).filter((d) => !query ||
      [d.title, d.name, d.collection, d.type].some((v) => String(v || "").toLowerCase().includes(query)));
    list.replaceChildren();
    count.textContent = docs.length ? `${docs.length} of ${(model.documents || []).length} documents`
      : (query ? "No document matches this search." : "No documents are indexed yet.");
    for (const d of docs) {
      const li = document.createElement("li");
      li.className = d.path === model.scope ? "doc scoped" : "doc";
      const t = document.createElement("div");
      t.className = "title";
      t.textContent = d.title;
      const f = document.createElement("div");
      f.className = "facts-line";
      f.textContent = facts(d);
      const ask = document.createElement("button");
      ask.type = "button";
      ask.className = "ask-about";
      ask.textContent = d.path === model.scope ? "Asking about this" : "Ask about this";
      ask.addEventListener("click", () => model.send_msg({ kind: "scope", path: d.path }));
      li.append(t, f, ask);
      if (model.quiz) {
        const quiz = document.createElement("button");
        quiz.type = "button";
        quiz.className = "quiz-me";
        quiz.textContent = "Quiz me";
        quiz.title = `Questions about ${d.title}, each with the passage its answer comes from`;
        quiz.addEventListener("click", () => model.send_msg({ kind: "quiz", path: d.path }));
        li.appendChild(quiz);
      }
      list.appendChild(li);
    }
  }

  function onKey(event) {
    if (event.key === "Escape" && panel.isConnected && panel.getClientRects().length) {
      model.send_msg({ kind: "close" });
    }
  }
  document.addEventListener("keydown", onKey);
  model.on("remove", () => document.removeEventListener("keydown", onKey));
  search.addEventListener("input", draw);
  model.on(["documents", "scope", "quiz"], draw);
  model.on("upload", drawUpload);
  drawUpload();
  draw();
  return panel;
}
