// One exchange of the chat: the reader's question and citewise's answer card.
// Document text only ever reaches the DOM through textContent, or as `model.answer_html`, which the server
// renders from HTML-escaped text (app/web/chat_render.py). Nothing here builds HTML from strings.

const SVG_NS = "http://www.w3.org/2000/svg";
const ICONS = {
  copy: "M8 8h11v13H8z M5 16H4V3h11v1",
  check: "M5 12l5 5L20 7",
  up: "M7 11v9H4v-9zM7 11l4-8c1.5 0 2.5 1 2.5 2.5V9h5.2c1.1 0 1.9 1 1.7 2l-1.4 7.5c-.2.9-1 1.5-1.9 1.5H7",
  down: "M7 13V4H4v9zM7 13l4 8c1.5 0 2.5-1 2.5-2.5V15h5.2c1.1 0 1.9-1 1.7-2l-1.4-7.5C18.8 4.6 18 4 17.1 4H7",
  info: "M12 8h.01M11 12h1v5h1 M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
  warn: "M12 9v4m0 4h.01M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
  shield: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z",
};

function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", ICONS[name]);
  svg.appendChild(path);
  return svg;
}

function node(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function button(cls, label, iconName, title) {
  const b = node("button", cls);
  b.type = "button";
  if (iconName) b.appendChild(icon(iconName));
  if (label) b.appendChild(node("span", null, label));
  if (title) { b.title = title; b.setAttribute("aria-label", title); }
  return b;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back below */ }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
  area.remove();
  return ok;
}

// The feed that scrolls (outside this component's shadow root).
function scroller(start) {
  let n = start;
  while (n) {
    if (n.classList && n.classList.contains("scrollable-vertical")) return n;
    n = n.parentElement || (n.getRootNode && n.getRootNode().host) || null;
  }
  return null;
}

export function render({ model, el }) {
  const open = { sources: true, related: true, retrieval: false };
  const root = node("div", "exchange");
  const question = node("div", "question");
  const bubble = node("div", "bubble");
  question.appendChild(bubble);
  const card = node("article", "answer");
  card.setAttribute("aria-live", "polite");
  const status = node("div", "status");
  const body = node("div", "body markdown");
  const meta = node("div", "meta");
  const actions = node("div", "actions");
  card.append(status, body, meta, actions);
  root.append(question, card);

  // Keep a growing answer in view, unless the reader has scrolled up to read something else.
  function following(draw) {
    return () => {
      const feed = scroller(el);
      const near = feed && feed.scrollHeight - feed.scrollTop - feed.clientHeight < 160;
      draw();
      if (!near) return;
      requestAnimationFrame(() => {
        const tall = root.getBoundingClientRect().height > feed.clientHeight;
        root.scrollIntoView({ block: tall ? "start" : "end" });
      });
    };
  }

  function drawQuestion() {
    bubble.textContent = model.question;
    question.hidden = !model.question;
  }

  function drawStatus() {
    status.replaceChildren();
    if (model.progress) {
      status.append(node("span", "spinner"), node("span", null, model.progress));
    }
    status.hidden = !model.progress;
  }

  function drawBody() {
    body.innerHTML = model.answer_html;  // server-rendered from escaped text (see module comment)
    body.classList.toggle("streaming", model.live);
    body.hidden = !model.answer_html;
    for (const a of body.querySelectorAll("a.cite")) {
      a.addEventListener("click", (event) => {
        event.preventDefault();
        model.send_msg({ kind: "cite", n: Number(a.dataset.n) });
      });
    }
  }

  function notice(kind, iconName, title, text) {
    const box = node("div", `notice ${kind}`);
    box.appendChild(icon(iconName));
    const content = node("div", "notice-text");
    if (title) content.appendChild(node("strong", null, title));
    if (text) content.appendChild(node("span", null, text));
    box.appendChild(content);
    return box;
  }

  function section(key, summaryText, extraClass) {
    const details = node("details", `section ${extraClass || key}`);
    details.open = open[key];
    details.addEventListener("toggle", () => { open[key] = details.open; });
    details.appendChild(node("summary", null, summaryText));
    return details;
  }

  function sourceButton(kind, index, label, quote, flag) {
    const li = node("li", "source");
    const b = button("source-link", null, null, `Show the passage of ${label}`);
    b.dataset.kind = kind;
    b.dataset.n = String(index);
    b.appendChild(node("span", "source-label", label));
    if (flag) b.appendChild(node("span", "flag", flag));
    b.addEventListener("click", () => model.send_msg({ kind, n: index }));
    li.appendChild(b);
    if (quote) li.appendChild(node("blockquote", "quote", quote));
    return li;
  }

  function drawMeta() {
    const info = model.info || {};
    meta.replaceChildren();
    card.dataset.mode = info.mode || "";
    card.classList.toggle("done", Boolean(info.done));
    if (info.moderation) {
      const box = notice("moderation", "shield", info.moderation.title, info.moderation.message);
      if (info.moderation.reasons && info.moderation.reasons.length) {
        const list = node("ul", "reasons");
        for (const reason of info.moderation.reasons) list.appendChild(node("li", null, reason));
        box.querySelector(".notice-text").appendChild(list);
      }
      meta.appendChild(box);
    }
    if (info.error) meta.appendChild(notice("error", "warn", info.error.title, info.error.message));
    if (info.no_answer_message) meta.appendChild(notice("no-answer", "info", null, info.no_answer_message));
    if (info.notice) meta.appendChild(notice(info.notice_kind || "info", info.notice_kind === "warn" ? "warn" : "info", null, info.notice));
    if (info.unverified && info.unverified.length) {
      const n = info.unverified.length;
      const box = notice("warn", "warn", `${n} cited sentence${n > 1 ? "s" : ""} could not be verified against the cited passage.`, "Check the source before relying on:");
      const list = node("ul", "reasons");
      for (const claim of info.unverified) list.appendChild(node("li", null, `“${claim}”`));
      box.querySelector(".notice-text").appendChild(list);
      meta.appendChild(box);
    }
    const citations = info.citations || [];
    if (citations.length) {
      const details = section("sources", `Sources (${citations.length})`);
      const list = node("ol", "sources");
      for (const c of citations) list.appendChild(sourceButton("cite", c.n, `[${c.n}] ${c.label}`, c.quote, c.supported ? null : "unverified"));
      details.appendChild(list);
      meta.appendChild(details);
    }
    const related = info.possibly_related || [];
    if (related.length) {
      const details = section("related", `Possibly related (${related.length})`);
      const list = node("ul", "sources");
      related.forEach((p, i) => list.appendChild(sourceButton("related", i, p.label, p.snippet, null)));
      details.appendChild(list);
      meta.appendChild(details);
    }
    const r = info.retrieval;
    if (r) {
      const parts = [`${r.passages} passage${r.passages === 1 ? "" : "s"}`];
      if (r.total_ms !== null && r.total_ms !== undefined) parts.push(`${r.total_ms} ms`);
      if (r.cache_hit) parts.push("cached answer");
      const details = section("retrieval", `Retrieval: ${parts.join(" · ")}`);
      const dl = node("dl", "retrieval-facts");
      const fact = (k, v) => { dl.append(node("dt", null, k), node("dd", null, v)); };
      fact("Searched for", r.query);
      if (r.rewritten) fact("Rewritten from", r.original);
      if (r.collection) fact("Collection", r.collection);
      fact("Passages found", String(r.passages));
      for (const [label, ms] of r.timings || []) fact(label, `${ms} ms`);
      details.appendChild(dl);
      meta.appendChild(details);
    }
    drawActions();
  }

  function drawActions() {
    const info = model.info || {};
    const fb = model.feedback || {};
    actions.replaceChildren();
    actions.hidden = !info.done || !info.text;
    if (actions.hidden) return;
    if (info.mode !== "blocked") {
      const copy = button("action copy", "Copy", "copy", "Copy the answer");
      copy.addEventListener("click", async () => {
        const ok = await copyText(info.text);
        copy.replaceChildren(icon(ok ? "check" : "copy"), node("span", null, ok ? "Copied" : "Copy failed"));
        setTimeout(() => copy.replaceChildren(icon("copy"), node("span", null, "Copy")), 1600);
      });
      actions.appendChild(copy);
    }
    if (model.last && info.mode !== "blocked") {
      const again = button("action regenerate", "Regenerate", null, "Answer this question again");
      again.addEventListener("click", () => model.send_msg({ kind: "regenerate" }));
      actions.appendChild(again);
    }
    if (!info.query_id) return;
    const up = button("action thumb up", null, "up", "Helpful");
    const down = button("action thumb down", null, "down", "Not helpful");
    up.classList.toggle("chosen", fb.rating === 1);
    down.classList.toggle("chosen", fb.rating === -1);
    up.setAttribute("aria-pressed", String(fb.rating === 1));
    down.setAttribute("aria-pressed", String(fb.rating === -1));
    up.addEventListener("click", () => model.send_msg({ kind: "feedback", rating: 1 }));
    down.addEventListener("click", () => model.send_msg({ kind: "feedback", rating: -1 }));
    actions.append(up, down);
    if (fb.rating && !fb.commented) {
      const form = node("form", "comment");
      const input = node("input");
      input.type = "text";
      input.maxLength = 1000;
      input.placeholder = fb.rating === 1 ? "What was good? (optional)" : "What was wrong? (optional)";
      input.setAttribute("aria-label", "Comment on this answer (optional)");
      const send = button("action send-comment", "Send", null, "Send the comment");
      send.type = "submit";
      form.append(input, send);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        model.send_msg({ kind: "feedback", rating: fb.rating, comment: input.value });
      });
      actions.appendChild(form);
    }
    if (fb.message) actions.appendChild(node("span", "thanks", fb.message));
  }

  drawQuestion();
  drawStatus();
  drawBody();
  drawMeta();
  model.on("question", drawQuestion);
  model.on("progress", drawStatus);
  model.on("answer_html", following(drawBody));
  model.on("live", drawBody);
  model.on("info", following(drawMeta));
  model.on(["feedback", "last"], drawActions);
  return root;
}
