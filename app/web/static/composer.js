// The question box: Enter sends, Shift+Enter starts a new line, the box keeps focus after sending.

export function render({ model, el }) {
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
  send.textContent = "Ask";
  send.title = "Send (Enter)";
  form.append(area, send);

  function grow() {
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, 180)}px`;
    send.disabled = !area.value.trim();
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
    submit();
  });
  // Clicking Ask must not leave the focus on the button.
  send.addEventListener("mousedown", (event) => event.preventDefault());
  model.on("focus_token", () => area.focus());
  model.on("after_render", () => { grow(); area.focus(); });
  return form;
}
