// Saved chats: open, rename, delete, export as Markdown. The server knows whose chats these are from the
// page's own request (signed-in user, or the browser's signed HttpOnly cookie). The header comes from
// `panelHead` (static/panel_head.js, put before this module).

export function render({ model, el }) {
  const side = document.createElement("nav");
  side.className = "side-view";
  side.setAttribute("aria-label", "Saved chats");
  const head = panelHead(model, {
    className: "side-head", title: "Chats", closeTitle: "Hide the chats", closeLabel: "Hide the chats",
  });
  const list = document.createElement("ul");
  list.className = "chat-list";
  const note = document.createElement("p");
  note.className = "empty-note";
  side.append(head, note, list);
  let renaming = null;

  function tool(cls, text, label, handler) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `tool ${cls}`;
    b.textContent = text;
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", handler);
    return b;
  }

  function draw() {
    list.replaceChildren();
    const chats = model.chats || [];
    note.textContent = !model.enabled ? "Chats are not saved on this server."
      : (chats.length ? "" : "Your chats appear here after the first answer.");
    note.hidden = !note.textContent;
    for (const c of chats) {
      const li = document.createElement("li");
      li.className = c.id === model.current ? "chat-item current" : "chat-item";
      li.dataset.id = c.id;
      if (renaming === c.id) {
        const form = document.createElement("form");
        form.className = "rename-form";
        const input = document.createElement("input");
        input.value = c.title;
        input.maxLength = 80;
        input.setAttribute("aria-label", "New title");
        form.append(input, tool("save", "Save", "Save the title", () => {}));
        form.querySelector("button").type = "submit";
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          renaming = null;
          model.send_msg({ kind: "rename", id: c.id, title: input.value });
        });
        li.appendChild(form);
        list.appendChild(li);
        requestAnimationFrame(() => { input.focus(); input.select(); });
        continue;
      }
      const open = document.createElement("button");
      open.type = "button";
      open.className = "chat-open";
      const t = document.createElement("span");
      t.className = "t";
      t.textContent = c.title;
      const d = document.createElement("span");
      d.className = "d";
      d.textContent = `${c.updated} · ${c.turns} question${c.turns === 1 ? "" : "s"}`;
      open.append(t, d);
      open.title = c.title;
      open.addEventListener("click", () => model.send_msg({ kind: "open", id: c.id }));
      const tools = document.createElement("div");
      tools.className = "chat-tools";
      tools.append(
        tool("rename", "✎", "Rename this chat", () => { renaming = c.id; draw(); }),
        tool("export", "⇩", "Export this chat as Markdown", () => model.send_msg({ kind: "export", id: c.id })),
        tool("delete", "✕", "Delete this chat", () => {
          if (window.confirm(`Delete “${c.title}”?`)) model.send_msg({ kind: "delete", id: c.id });
        }),
      );
      li.append(open, tools);
      list.appendChild(li);
    }
  }

  function save() {
    saveFile({ type: "text/markdown", ...model.download });
  }

  // A wide screen shows the chats beside the conversation; a phone opens them from the header.
  if (!window.matchMedia("(max-width: 760px)").matches) model.send_msg({ kind: "wide" });
  model.on(["chats", "current", "enabled"], draw);
  model.on("download", save);
  draw();
  return side;
}
