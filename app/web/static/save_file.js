// Save {name, text, type} sent by the server as a file in the browser (saved chats, quiz exports).
// app/web/chat.py puts this before the modules that use it.
function saveFile(file) {
  if (!file || !file.name) return;
  const blob = new Blob([file.text], { type: `${file.type || "text/plain"};charset=utf-8` });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = file.name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
