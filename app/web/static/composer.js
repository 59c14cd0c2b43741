// The question box: Enter sends, Shift+Enter starts a new line, the box keeps focus after sending.
// While an answer is being written the button stops it. A document scope shows as a removable chip.

export function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "composer";
  const chip = document.createElement("div");
  chip.className = "scope-chip";
  const form = document.createElement("form");
  form.className = "ask-form";
  const area = document.createElement("textarea");
  area.rows = 1;
  area.placeholder = model.placeholder;
  area.maxLength = model.max_chars;
  area.setAttribute("aria-label", "Your question");
  area.autofocus = true;
  const send = document.createElement("button");
  send.type = "submit";
  send.className = "send";
  form.append(area, send);
  wrap.append(chip, form);

  function drawButton() {
    send.classList.toggle("stop", model.busy);
    send.textContent = model.busy ? "Stop" : "Ask";
    send.title = model.busy ? "Stop the answer being written" : "Send (Enter)";
    send.disabled = !model.busy && !area.value.trim();
  }

  function drawChip() {
    chip.replaceChildren();
    chip.hidden = !model.scope;
    if (!model.scope) return;
    const label = document.createElement("span");
    label.className = "name";
    label.textContent = `Asking about: ${model.scope}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.title = "Ask about all documents again";
    remove.setAttribute("aria-label", "Remove the document scope");
    remove.addEventListener("click", () => model.send_msg({ kind: "unscope" }));
    chip.append(label, remove);
  }

  function grow() {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 180)}px`;
    drawButton();
  }

  function submit() {
    const text = area.value.trim();
    if (!text) return;
    model.send_msg({ kind: "send", text });
    area.value = "";
    grow();
    area.focus();
  }

  area.addEventListener("input", grow);
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (model.busy && !area.value.trim()) {
      model.send_msg({ kind: "stop" });
      area.focus();
      return;
    }
    submit();
  });
  // Clicking the button must not leave the focus on it.
  send.addEventListener("mousedown", (event) => event.preventDefault());
  model.on("focus_token", () => area.focus());
  model.on("busy", drawButton);
  model.on("scope", drawChip);
  model.on("after_render", () => { grow(); area.focus(); });
  drawChip();
  drawButton();
  return wrap;
}
