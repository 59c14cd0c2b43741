// The page header: name, what answers (LLM model or quoting), collection picker, New chat.

export function render({ model, el }) {
  const bar = document.createElement("header");
  bar.className = "bar";
  const brand = document.createElement("div");
  brand.className = "brand";
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
  brand.append(logo, names);

  const controls = document.createElement("div");
  controls.className = "controls";
  const pick = document.createElement("select");
  pick.setAttribute("aria-label", "Collection to search");
  pick.title = "Collection to search";
  pick.addEventListener("change", () => { model.collection = pick.value; });
  const fresh = document.createElement("button");
  fresh.type = "button";
  fresh.className = "new-chat";
  fresh.textContent = "New chat";
  fresh.title = "Forget this conversation and start over";
  fresh.addEventListener("click", () => model.send_msg({ kind: "new_chat" }));
  controls.append(pick, fresh);
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
