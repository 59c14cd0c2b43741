// The card before the first question: what citewise does, and three example questions made from the
// indexed documents' headings. `model.html` is built on the server from escaped text.

export function render({ model, el }) {
  const root = document.createElement("div");
  function draw() {
    root.innerHTML = model.html;  // server-rendered from escaped values (chat_render.welcome_html)
    const examples = model.examples || [];
    if (!examples.length) return;
    const box = document.createElement("div");
    box.className = "examples";
    box.setAttribute("aria-label", "Example questions");
    for (const text of examples) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "example";
      b.textContent = text;
      b.addEventListener("click", () => model.send_msg({ kind: "example", text }));
      box.appendChild(b);
    }
    (root.querySelector(".welcome") || root).appendChild(box);
  }
  draw();
  model.on(["html", "examples"], draw);
  return root;
}
