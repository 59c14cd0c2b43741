// The source panel: the cited passage with the supporting sentence highlighted, and a link to the file.
// All document text goes in through textContent.

export function render({ model, el }) {
  const panel = document.createElement("aside");
  panel.className = "source-view";
  panel.setAttribute("aria-label", "Source");

  function field(label, value) {
    const row = document.createElement("div");
    row.className = "field";
    const k = document.createElement("span");
    k.className = "k";
    k.textContent = label;
    const v = document.createElement("span");
    v.className = "v";
    v.textContent = value;
    row.append(k, v);
    return row;
  }

  function draw() {
    const s = model.passage || {};
    panel.replaceChildren();
    panel.appendChild(panelHead(model, {
      className: "panel-head", title: s.title || "Source",
      closeTitle: "Close the source panel (Esc)", closeLabel: "Close the source panel",
    }));
    if (!s.file_name) return;
    const facts = document.createElement("div");
    facts.className = "facts";
    facts.appendChild(field("File", s.file_name));
    if (s.page) facts.appendChild(field("Page", String(s.page)));
    if (s.heading) facts.appendChild(field("Section", s.heading));
    if (s.collection) facts.appendChild(field("Collection", s.collection));
    panel.appendChild(facts);
    if (s.note) {
      const note = document.createElement("p");
      note.className = s.supported === false ? "note warn" : "note";
      note.textContent = s.note;
      panel.appendChild(note);
    }
    const passage = document.createElement("div");
    passage.className = "passage";
    passage.append(document.createTextNode(s.before || ""));
    let mark = null;
    if (s.highlight) {
      mark = document.createElement("mark");
      mark.textContent = s.highlight;
      passage.appendChild(mark);
    }
    passage.append(document.createTextNode(s.after || ""));
    panel.appendChild(passage);
    if (s.url) {
      const link = document.createElement("a");
      link.className = "open-file";
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = s.url_label || "Open the original file";
      panel.appendChild(link);
    }
    // Open at the highlighted sentence; the header (title, close button) is sticky, so it stays in view.
    panel.scrollTop = 0;
    if (mark) requestAnimationFrame(() => mark.scrollIntoView({ block: "center" }));
  }

  // Escape closes the panel wherever the focus is (the server then puts the focus back in the question box).
  function onKey(event) {
    if (event.key === "Escape" && panel.isConnected && panel.getClientRects().length) {
      model.send_msg({ kind: "close" });
    }
  }
  document.addEventListener("keydown", onKey);
  model.on("remove", () => document.removeEventListener("keydown", onKey));
  draw();
  model.on("passage", draw);
  return panel;
}
