// The indexed documents: title, type, pages, collection; a search box; "Ask about this" scopes the next
// questions to one document. All values go in through textContent.

export function render({ model, el }) {
  const panel = document.createElement("aside");
  panel.className = "docs-view";
  panel.setAttribute("aria-label", "Documents");
  const head = document.createElement("div");
  head.className = "panel-head";
  const title = document.createElement("h2");
  title.textContent = "Documents";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "×";
  close.title = "Close the documents (Esc)";
  close.setAttribute("aria-label", "Close the documents");
  close.addEventListener("click", () => model.send_msg({ kind: "close" }));
  head.append(title, close);
  const search = document.createElement("input");
  search.type = "search";
  search.className = "doc-search";
  search.placeholder = "Search by title, file or collection";
  search.setAttribute("aria-label", "Search the documents");
  const count = document.createElement("p");
  count.className = "empty-note";
  const list = document.createElement("ul");
  list.className = "doc-list";
  panel.append(head, search, count, list);

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
  model.on(["documents", "scope"], draw);
  draw();
  return panel;
}
