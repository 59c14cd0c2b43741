// The page header: name, what answers (LLM model or quoting), chats, documents, collection picker,
// theme toggle, New chat.

const THEMES = ["auto", "light", "dark"];
const THEME_LABEL = { auto: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

function currentTheme() {
  return document.documentElement.dataset.theme || "auto";
}

function setTheme(theme) {
  if (theme === "auto") {
    delete document.documentElement.dataset.theme;
  } else {
    document.documentElement.dataset.theme = theme;
  }
  try {
    if (theme === "auto") localStorage.removeItem("citewise-theme");
    else localStorage.setItem("citewise-theme", theme);
  } catch (e) { /* private mode: the choice lasts for this page only */ }
}

function button(cls, symbol, text, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  const mark = document.createElement("span");
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = symbol;
  b.appendChild(mark);
  if (text) {
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = text;
    b.appendChild(label);
  }
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
}

export function render({ model, el }) {
  const bar = document.createElement("header");
  bar.className = "bar";
  const brand = document.createElement("div");
  brand.className = "brand";
  const chats = button("icon-button chats-toggle", "☰", "Chats", "Saved chats");
  chats.addEventListener("click", () => model.send_msg({ kind: "toggle_chats" }));
  const logo = document.createElement("span");
  logo.className = "logo";
  logo.textContent = "cw";
  logo.setAttribute("aria-hidden", "true");
  const names = document.createElement("div");
  const title = document.createElement("h1");
  title.textContent = model.app_name;
  const mode = document.createElement("p");
  mode.className = "mode";
  names.append(title, mode);
  brand.append(chats, logo, names);

  const controls = document.createElement("div");
  controls.className = "controls";
  const pick = document.createElement("select");
  pick.setAttribute("aria-label", "Collection to search");
  pick.title = "Collection to search";
  pick.addEventListener("change", () => { model.collection = pick.value; });
  const docs = button("icon-button documents-toggle", "▤", "Documents", "Indexed documents");
  docs.addEventListener("click", () => model.send_msg({ kind: "toggle_documents" }));
  const theme = button("icon-button theme-toggle", "◐", null, THEME_LABEL[currentTheme()]);
  theme.addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
    setTheme(next);
    theme.title = THEME_LABEL[next];
    theme.setAttribute("aria-label", THEME_LABEL[next]);
  });
  const fresh = document.createElement("button");
  fresh.type = "button";
  fresh.className = "new-chat";
  fresh.textContent = "New chat";
  fresh.title = "Start a new conversation (this one stays in Chats)";
  fresh.addEventListener("click", () => model.send_msg({ kind: "new_chat" }));
  controls.append(pick, docs, theme, fresh);
  bar.append(brand, controls);

  function drawMode() {
    mode.replaceChildren();
    const label = document.createElement("span");
    label.textContent = "Answers: ";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = model.mode_label;
    mode.append(label, badge);
  }

  function drawCollections() {
    pick.replaceChildren();
    const all = document.createElement("option");
    all.value = "";
    all.textContent = "All collections";
    pick.appendChild(all);
    for (const name of model.collections) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      pick.appendChild(option);
    }
    pick.value = model.collection || "";
    pick.disabled = model.collections.length === 0;
  }

  drawMode();
  drawCollections();
  model.on("mode_label", drawMode);
  model.on(["collections", "collection"], drawCollections);
  return bar;
}
