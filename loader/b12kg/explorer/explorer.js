// b12kg explorer: cards on click or focus, filters kept in the URL's fragment, live questions when served.
// No network request unless the page is served by `b12kg serve` and a question is run (to its own /query).
"use strict";
(function () {
  const FACETS = JSON.parse(document.getElementById("facets").textContent);
  const KEYS = ["age", "man", "mod", "src"];
  const ARABIC = /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/;
  const state = { age: "", man: "", mod: "", src: "", claim: "" };
  // each claim's marks, list entry and timeline bars, found once (filtering is then linear in the claims)
  const parts = {};
  for (const element of document.querySelectorAll("mark.q[data-claim], #claim-list li[data-claim], .bar-row[data-claim]")) {
    (parts[element.dataset.claim] = parts[element.dataset.claim] || []).push(element);
  }

  function matches(id) {
    const facet = FACETS[id];
    return KEYS.every((key) => !state[key] || (facet && facet[key].includes(state[key])));
  }

  function readHash() {
    const text = location.hash.replace(/^#/, "");
    if (!text.includes("=")) return false; // a plain anchor such as #timeline
    const params = new URLSearchParams(text);
    for (const key of [...KEYS, "claim"]) state[key] = params.get(key) || "";
    return true;
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const key of [...KEYS, "claim"]) if (state[key]) params.set(key, state[key]);
    const text = params.toString();
    const url = location.href.replace(/#.*$/, "") + (text ? "#" + text : "");
    try { history.replaceState(null, "", url); } catch (e) { location.replace(url); }
  }

  function apply() {
    for (const key of KEYS) {
      const select = document.getElementById("f-" + key);
      if (select.value !== state[key]) select.value = state[key];
      if (select.value !== state[key]) state[key] = ""; // a value the page does not know
    }
    let shown = 0;
    for (const id of Object.keys(FACETS)) {
      const on = matches(id);
      if (on) shown += 1;
      for (const element of parts[id] || []) {
        element.classList.toggle("off", !on);
        if (element.matches("mark.q[id]")) element.tabIndex = on ? 0 : -1;
      }
    }
    document.getElementById("f-count").textContent = shown + " of " + Object.keys(FACETS).length + " claims";
    showCard(state.claim);
  }

  function showCard(id) {
    const card = id ? document.getElementById("card-" + id) : null;
    document.querySelectorAll("#card-panel .card").forEach((c) => { c.hidden = c !== card; });
    document.getElementById("no-card").hidden = Boolean(card);
    document.querySelectorAll("mark.q.active").forEach((m) => m.classList.remove("active"));
    if (card) document.querySelectorAll('mark.q[data-claim="' + id + '"]').forEach((m) => m.classList.add("active"));
  }

  function choose(id, how) {
    if (!FACETS[id]) return;
    if (how !== "stay") showAlso([]);
    state.claim = id;
    writeHash();
    showCard(id);
    if (how === "jump") {
      const mark = document.getElementById("q-" + id);
      if (mark) { mark.scrollIntoView({ block: "center" }); mark.focus({ preventScroll: true }); }
    }
  }

  function markOf(target) {
    let mark = target.closest ? target.closest("mark.q") : null;
    while (mark && mark.classList.contains("off")) mark = mark.parentElement.closest("mark.q");
    return mark;
  }

  // the claims quoting the words at a point, innermost first: nested or identical quotes are all reachable from here
  function showAlso(ids) {
    const also = document.getElementById("also");
    const list = also.querySelector("ul");
    list.textContent = "";
    for (const id of ids) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.claim = id;
      button.textContent = document.getElementById("claim-name-" + id).textContent;
      item.append(button);
      list.append(item);
    }
    also.hidden = ids.length === 0;
  }

  document.addEventListener("click", (event) => {
    const mark = markOf(event.target);
    if (mark) {
      event.stopPropagation();
      const ids = [];
      for (let m = mark; m; m = m.parentElement.closest("mark.q")) {
        if (!m.classList.contains("off") && !ids.includes(m.dataset.claim)) ids.push(m.dataset.claim);
      }
      choose(ids[0], "stay");
      showAlso(ids.slice(1));
      return;
    }
    const other = event.target.closest("#also button[data-claim]");
    if (other) { choose(other.dataset.claim, "stay"); return; }
    const button = event.target.closest("#claim-list button[data-claim]");
    if (button) { choose(button.dataset.claim, "jump"); return; }
    const link = event.target.closest("a[data-claim-link]");
    if (link) { event.preventDefault(); choose(link.dataset.claimLink, "jump"); }
  });
  document.addEventListener("keydown", (event) => {
    const mark = event.target.matches && event.target.matches("mark.q") ? event.target : null;
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      choose(mark.dataset.claim, "stay");
    }
  });
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches("mark.q[id]")) {
      showAlso([]);
      choose(event.target.dataset.claim, "stay");
    }
  });
  const form = document.getElementById("filters");
  form.addEventListener("change", (event) => {
    const key = event.target.dataset.facet;
    if (!key) return;
    state[key] = event.target.value;
    if (state.claim && !matches(state.claim)) state.claim = "";
    writeHash();
    apply();
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const key of KEYS) state[key] = "";
    writeHash();
    apply();
  });
  window.addEventListener("hashchange", () => { if (readHash()) apply(); });

  // --- live questions: only when served over HTTP by `b12kg serve` (same origin, its /query) -------------------------
  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    td.textContent = term.value;
    const lang = term["xml:lang"] || (ARABIC.test(term.value) ? "ar" : "");
    if (lang) { td.lang = lang; if (lang === "ar") td.dir = "rtl"; }
    return td;
  }
  async function run(sparql, into) {
    into.textContent = "running…";
    try {
      const response = await fetch("query", {
        method: "POST", body: sparql,
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
      });
      const text = await response.text();
      if (!response.ok) throw new Error(response.status + ": " + text);
      const answer = JSON.parse(text);
      into.textContent = "";
      if (typeof answer.boolean === "boolean") { into.textContent = "answer: " + answer.boolean; return; }
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      for (const name of answer.head.vars) { const th = document.createElement("th"); th.textContent = name; head.append(th); }
      const body = table.createTBody();
      for (const binding of answer.results.bindings) {
        const row = body.insertRow();
        for (const name of answer.head.vars) row.append(cell(binding[name]));
      }
      const count = document.createElement("p");
      count.textContent = answer.results.bindings.length + " row(s)";
      into.append(count, table);
    } catch (error) {
      into.textContent = "";
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = "The endpoint did not answer: " + error.message;
      into.append(p);
    }
  }
  if (location.protocol === "http:" || location.protocol === "https:") {
    document.querySelectorAll(".offline-note").forEach((note) => { note.hidden = true; });
    document.getElementById("own").hidden = false;
    document.querySelectorAll("button.run").forEach((button) => {
      button.hidden = false;
      const item = button.closest(".question");
      button.addEventListener("click", () => run(item.querySelector("pre.sparql").textContent,
                                                 item.querySelector(".answer")));
    });
    document.getElementById("own-run").addEventListener("click", () =>
      run(document.getElementById("own-query").value, document.getElementById("own-answer")));
  }

  readHash();
  apply();
})();
