// The header of a side panel (saved chats, documents, the cited source): a title and a close button that
// asks the server to close the panel. app/web/chat.py puts this before the modules that use it.
function panelHead(model, { className, title, closeTitle, closeLabel }) {
  const head = document.createElement("div");
  head.className = className;
  const heading = document.createElement("h2");
  heading.textContent = title;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = "×";
  close.title = closeTitle;
  close.setAttribute("aria-label", closeLabel);
  close.addEventListener("click", () => model.send_msg({ kind: "close" }));
  head.append(heading, close);
  return head;
}
