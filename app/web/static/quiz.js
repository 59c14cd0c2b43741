// The quiz view, in place of the conversation: setup (kind, number of questions), progress while the quiz
// is made, one question at a time, right or wrong with the answer and the passage it comes from, the
// score and a retry of the missed questions. The server says what to show in `model.view`; every value
// (questions, choices, passages) goes in through textContent, so nothing from a document is read as HTML.

function node(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function button(cls, label, onClick) {
  const b = node("button", cls, label);
  b.type = "button";
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

export function render({ model, el }) {
  const root = node("section", "quiz-view");
  root.setAttribute("aria-label", "Quiz");
  const inner = node("div", "quiz");
  root.appendChild(inner);
  let ticking = null;
  const send = (msg) => model.send_msg(msg);

  function stopTicking() {
    if (ticking) clearInterval(ticking);
    ticking = null;
  }

  function head(v) {
    const h = node("div", "quiz-head");
    h.append(node("h2", null, v.title || "Quiz"),
      button("quiz-leave", "Back to the chat", () => send({ kind: "leave" })));
    return h;
  }

  function notice(cls, title, text) {
    const box = node("div", `notice ${cls}`);
    const content = node("div", "notice-text");
    if (title) content.appendChild(node("strong", null, title));
    if (text) content.appendChild(node("span", null, text));
    box.appendChild(content);
    return box;
  }

  function passage(s) {
    const box = node("div", "quiz-source");
    box.appendChild(node("div", "quiz-source-label", `Source: ${s.label || s.file_name}`));
    const text = node("div", "passage");
    text.append(document.createTextNode(s.before || ""));
    if (s.highlight) text.appendChild(node("mark", null, s.highlight));
    text.append(document.createTextNode(s.after || ""));
    box.appendChild(text);
    const tools = node("div", "quiz-source-tools");
    tools.appendChild(button("action quiz-open-source", "Open in the source panel", () => send({ kind: "source" })));
    if (s.url) {
      const link = node("a", "open-file", s.url_label || "Open the original file");
      link.href = s.url;
      link.target = "_blank";
      link.rel = "noopener";
      tools.appendChild(link);
    }
    box.appendChild(tools);
    return box;
  }

  function setup(v) {
    const form = node("form", "quiz-setup");
    const kinds = node("fieldset", "quiz-kinds");
    kinds.appendChild(node("legend", null, "Kind of question"));
    for (const [value, label] of v.kinds || []) {
      const row = node("label", "quiz-kind");
      const radio = node("input");
      radio.type = "radio";
      radio.name = "quiz-kind";
      radio.value = value;
      radio.checked = value === v.kind;
      row.append(radio, node("span", null, label));
      kinds.appendChild(row);
    }
    const countLabel = node("label", "quiz-count-label", "Number of questions");
    const count = node("input", "quiz-count");
    count.type = "number";
    count.min = "1";
    count.max = String(v.max_count || 30);
    count.value = String(v.count || 10);
    countLabel.appendChild(count);
    const go = button("quiz-start", "Start the quiz");
    go.type = "submit";
    form.append(kinds, countLabel, go);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = form.querySelector("input[name=quiz-kind]:checked");
      go.disabled = true;
      send({ kind: "start", quiz_kind: chosen ? chosen.value : v.kind, count: Number(count.value) || v.count });
    });
    inner.append(node("p", "quiz-intro", `Questions made from ${v.file_name}; each answer shows the passage it comes from.`), form);
    requestAnimationFrame(() => go.focus());
  }

  function making(v) {
    const status = node("div", "status quiz-making");
    status.setAttribute("role", "status");
    const elapsed = node("span", "quiz-elapsed");
    status.append(node("span", "spinner"), node("span", null, v.message || "Making the quiz…"), elapsed);
    inner.appendChild(status);
    const started = Date.now();
    ticking = setInterval(() => { elapsed.textContent = ` ${Math.round((Date.now() - started) / 1000)} s`; }, 1000);
    inner.appendChild(button("action quiz-cancel", "Cancel", () => send({ kind: "setup" })));
  }

  function question(v) {
    const item = v.item || {};
    const r = v.result || null;
    const progress = node("div", "quiz-progress");
    progress.textContent = `Question ${v.number} of ${v.total}` + (v.round > 1 ? ` · retry round ${v.round - 1}` : "")
      + ` · ${v.right_so_far} right so far`;
    inner.appendChild(progress);
    if (v.number === 1 && v.round === 1 && !r) {
      for (const note of v.notes || []) inner.appendChild(notice("info", null, note));
    }
    const card = node("article", "quiz-card");
    card.appendChild(node("p", "quiz-question", item.question));
    if (item.kind === "mcq" && (item.choices || []).length) {
      const list = node("div", "choices");
      item.choices.forEach((choice, i) => {
        const b = button("choice", choice, () => {
          for (const other of list.querySelectorAll("button")) other.disabled = true;
          send({ kind: "answer", choice: i });
        });
        b.dataset.index = String(i);
        if (r) {
          b.disabled = true;
          if (i === r.right_choice) b.classList.add("right");
          if (i === r.chosen) b.classList.add("chosen", r.correct ? "right" : "wrong");
        }
        list.appendChild(b);
      });
      card.appendChild(list);
    } else {
      const form = node("form", "quiz-answer-form");
      const input = node("input", "quiz-answer");
      input.type = "text";
      input.maxLength = 500;
      input.autocomplete = "off";
      input.placeholder = item.kind === "cloze" ? "The missing words" : "Your answer";
      input.setAttribute("aria-label", "Your answer");
      const check = button("quiz-check", "Check");
      check.type = "submit";
      form.append(input, check);
      if (r) {
        input.value = r.response;
        input.disabled = check.disabled = true;
      } else {
        const hint = node("p", "quiz-hint");
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          if (!input.value.trim()) { hint.textContent = "Type an answer first."; return; }
          check.disabled = true;
          send({ kind: "answer", response: input.value });
        });
        card.append(form, hint);
        requestAnimationFrame(() => input.focus());
      }
      if (r) card.appendChild(form);
    }
    inner.appendChild(card);
    if (!r) return;
    const verdict = node("div", `verdict ${r.correct ? "right" : "wrong"}`);
    verdict.setAttribute("role", "status");
    verdict.appendChild(node("strong", null, r.correct ? "Right." : "Not quite."));
    if (!r.correct) verdict.appendChild(node("span", "your-answer", `You answered: ${r.response}`));
    verdict.appendChild(node("span", "right-answer", `The answer: ${r.answer}`));
    inner.appendChild(verdict);
    if (v.source) inner.appendChild(passage(v.source));
    const next = button("quiz-next", v.last ? "See your score" : "Next question", () => send({ kind: "next" }));
    inner.appendChild(next);
    requestAnimationFrame(() => next.focus());
  }

  function done(v) {
    const s = v.score;
    const box = node("div", "quiz-score");
    box.appendChild(node("p", "score-line", `Your score: ${s.right} of ${s.total} (${s.percent}%)`));
    if (v.round > 1) {
      box.appendChild(node("p", "first-try", `First try: ${v.first.right} of ${v.first.total} (${v.first.percent}%)`));
    }
    inner.appendChild(box);
    const missed = v.missed || [];
    if (missed.length) {
      inner.appendChild(node("h3", null, `Missed (${missed.length})`));
      const list = node("ol", "quiz-missed");
      for (const m of missed) {
        const li = node("li");
        li.append(node("span", "q", m.question), node("span", "a", `Answer: ${m.answer}`));
        list.appendChild(li);
      }
      inner.appendChild(list);
    } else {
      inner.appendChild(node("p", "all-right", "Every answer was right."));
    }
    const actions = node("div", "quiz-actions");
    if (missed.length) {
      actions.appendChild(button("quiz-retry", `Retry the ${missed.length} you missed`, () => send({ kind: "retry" })));
    }
    actions.appendChild(button("action quiz-new", "Another quiz", () => send({ kind: "setup" })));
    for (const [format, label] of v.downloads || []) {
      const d = button("action quiz-download", label, () => send({ kind: "download", format }));
      d.dataset.format = format;
      actions.appendChild(d);
    }
    inner.appendChild(actions);
  }

  function failed(v) {
    const e = v.error || {};
    inner.appendChild(notice("error", e.title, e.message));
    if (v.retry) inner.appendChild(button("action quiz-again", "Try again", () => send({ kind: "setup" })));
  }

  function draw() {
    stopTicking();
    const v = model.view || {};
    inner.replaceChildren(head(v));
    inner.dataset.phase = v.phase || "";
    if (v.phase === "setup") setup(v);
    else if (v.phase === "making") making(v);
    else if (v.phase === "question" || v.phase === "feedback") question(v);
    else if (v.phase === "done") done(v);
    else if (v.phase === "error") failed(v);
    root.scrollTop = 0;
  }

  function save() {
    saveFile(model.download);
  }

  model.on("view", draw);
  model.on("download", save);
  model.on("remove", stopTicking);
  draw();
  return root;
}
