// A card in the chat for documents an editor added: the progress of indexing, then one line per file
// (indexed, unchanged, skipped or failed with the reason). Values go in through textContent.

const LABELS = {
  indexed: "Indexed", unchanged: "Already indexed", skipped: "Skipped", failed: "Failed",
  "not uploaded": "Not uploaded",
};

export function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "exchange";
  const card = document.createElement("article");
  card.className = "upload-card";
  root.appendChild(card);
  card.setAttribute("aria-live", "polite");

  function draw() {
    card.replaceChildren();
    card.classList.toggle("finished", !model.progress);
    const head = document.createElement("p");
    head.className = "upload-head";
    head.textContent = `Adding documents to the collection “${model.collection}”`;
    card.appendChild(head);
    if (model.progress) {
      const status = document.createElement("div");
      status.className = "status";
      const spin = document.createElement("span");
      spin.className = "spinner";
      spin.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.textContent = model.progress;
      status.append(spin, text);
      card.appendChild(status);
    }
    if (model.error) {
      const error = document.createElement("p");
      error.className = "notice error";
      error.textContent = model.error;
      card.appendChild(error);
    }
    const results = model.results || [];
    if (results.length) {
      const list = document.createElement("ul");
      list.className = "upload-results";
      for (const r of results) {
        const li = document.createElement("li");
        li.className = "result";
        li.dataset.outcome = r.outcome;
        const badge = document.createElement("span");
        badge.className = "outcome";
        badge.textContent = LABELS[r.outcome] || r.outcome;
        li.appendChild(badge);
        if (r.name) {
          const name = document.createElement("b");
          name.textContent = ` ${r.name}`;
          li.appendChild(name);
        }
        if (r.reason) {
          const reason = document.createElement("span");
          reason.className = "reason";
          reason.textContent = ` — ${r.reason}`;
          li.appendChild(reason);
        }
        list.appendChild(li);
      }
      card.appendChild(list);
      if (results.some((r) => r.outcome === "indexed")) {
        const hint = document.createElement("p");
        hint.className = "upload-hint";
        hint.textContent = "You can ask about the new documents now.";
        card.appendChild(hint);
      }
    }
  }
  model.on(["progress", "results", "error", "collection"], draw);
  draw();
  return root;
}
