// The candidate's test page: one question at a time with a navigator, autosave of every change,
// an honest countdown, and integrity signals for the recruiter.
//
// Time: the server owns the deadline. The countdown is re-synchronised from every save reply and
// whenever the page regains focus; the client clock only ticks between replies.
// Saves: each change gets seq = time of the change in ms (kept above the stored seq), is queued in
// order, kept in localStorage until the server acknowledges it, and retried with backoff while the
// network is down. The server refuses a save older than the stored answer (a second tab), and the
// page then shows the answer the server kept.
(function () {
  "use strict";
  var form = document.getElementById("test-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;            // ".../responses/0/": the 0 is replaced per question
  var sessionUrl = saveUrl.replace(/responses\/0\/$/, "");
  var eventsUrl = form.dataset.eventsUrl;
  var csrf = form.dataset.csrf;
  var storeKey = "assay-pending-" + form.dataset.session;
  var flagKey = "assay-flags-" + form.dataset.session;
  var timerEl = document.getElementById("timer");
  var warningEl = document.getElementById("time-warning");
  var netEl = document.getElementById("net-status");
  var nav = document.querySelector("nav.navigator");
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var endAt = performance.now() + parseFloat(timerEl.dataset.remaining) * 1000;
  var warned = {};
  var finishing = false;
  var queue = [];
  var sending = false;
  var retryDelay = 1000;

  // ---- one question at a time, navigator, flags ------------------------------------------------
  document.body.classList.add("paged");
  nav.hidden = false;
  questions.forEach(function (f) {
    f.querySelector(".pager").hidden = false;
    f.querySelector(".flag").hidden = false;
  });
  var flags = {};
  try { flags = JSON.parse(localStorage.getItem(flagKey) || "{}"); } catch (e) { flags = {}; }
  var current = 0;

  function navButton(fieldset) { return nav.querySelector('[data-target="' + fieldset.id + '"]'); }

  function refreshNav(fieldset) {
    var btn = navButton(fieldset);
    var answered = isAnswered(fieldset);
    var flagged = !!flags[fieldset.id];
    btn.classList.toggle("answered", answered);
    btn.classList.toggle("flagged", flagged);
    btn.setAttribute("aria-label", "Question " + fieldset.id.slice(1) + ", " +
      (answered ? "answered" : "unanswered") + (flagged ? ", flagged for review" : ""));
    var flagBtn = fieldset.querySelector(".flag");
    flagBtn.setAttribute("aria-pressed", flagged ? "true" : "false");
    flagBtn.textContent = flagged ? "Flagged for review" : "Flag for review";
  }

  function show(index, focus) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (f, i) {
      f.classList.toggle("current", i === current);
      navButton(f).toggleAttribute("aria-current", i === current);
    });
    if (focus) questions[current].querySelector("legend").focus();
  }

  questions.forEach(function (f, i) {
    f.querySelector("legend").tabIndex = -1;
    f.querySelector(".prev").addEventListener("click", function () { show(i - 1, true); });
    f.querySelector(".next").addEventListener("click", function () { show(i + 1, true); });
    f.querySelector(".flag").addEventListener("click", function () {
      flags[f.id] = !flags[f.id];
      try { localStorage.setItem(flagKey, JSON.stringify(flags)); } catch (e) { /* private mode */ }
      refreshNav(f);
    });
    navButton(f).addEventListener("click", function () { show(i, true); });
    refreshNav(f);
  });
  show(0, false);

  // ---- countdown -------------------------------------------------------------------------------
  function fmt(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
  }

  function resync(remainingSeconds) { endAt = performance.now() + remainingSeconds * 1000; }

  function tick() {
    var left = endAt - performance.now();
    timerEl.textContent = fmt(left);
    timerEl.classList.toggle("low", left <= 60000);
    [[300000, "5 minutes left."], [60000, "1 minute left."]].forEach(function (w) {
      if (left <= w[0] && left > 0 && !warned[w[0]]) {
        warned[w[0]] = true;
        warningEl.textContent = w[1] + " Answers are saved as you go; the test is submitted when time runs out.";
      }
    });
    if (left <= 0) { finish(); return; }
    setTimeout(tick, 250);
  }

  // ---- autosave ------------------------------------------------------------------------------------
  function stateOf(fieldset, text, cls) {
    var el = fieldset.querySelector(".save-state");
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function selectedOf(fieldset) {
    return Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
  }

  function textOf(fieldset) {
    var area = fieldset.querySelector("textarea.answer");
    return area ? area.value : "";
  }

  function isAnswered(fieldset) {
    return !!fieldset.querySelector("input:checked") || textOf(fieldset).trim() !== "";
  }

  function applySelection(fieldset, selected, text) {
    Array.prototype.forEach.call(fieldset.querySelectorAll("input"), function (i) {
      i.checked = selected.indexOf(parseInt(i.value, 10)) !== -1;
    });
    var area = fieldset.querySelector("textarea.answer");
    if (area && typeof text === "string") area.value = text;
    refreshNav(fieldset);
  }

  function persist() {
    try {
      localStorage.setItem(storeKey, JSON.stringify(queue.map(function (item) {
        return { question: item.question, selected: item.selected, text: item.text, seq: item.seq };
      })));
    } catch (e) { /* storage full or disabled: the in-memory queue still retries */ }
  }

  function fieldsetFor(questionId) {
    return form.querySelector('fieldset[data-question="' + questionId + '"]');
  }

  function enqueue(fieldset, selected, seq) {
    fieldset.dataset.seq = seq;
    // A newer answer to the same question replaces the queued one; order across questions is kept.
    queue = queue.filter(function (item) { return item.fieldset !== fieldset; });
    queue.push({ fieldset: fieldset, question: fieldset.dataset.question, selected: selected, text: textOf(fieldset),
                 seq: seq });
    persist();
    stateOf(fieldset, netEl.textContent ? "Not saved yet — will retry" : "Saving…", netEl.textContent ? "error" : "saving");
    refreshNav(fieldset);
    pump();
  }

  function settle(item) {
    if (queue[0] === item) queue.shift();
    persist();
  }

  function pump() {
    if (sending || !queue.length) return;
    sending = true;
    var item = queue[0];
    fetch(saveUrl.replace(/0\/$/, item.question + "/"), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ selected: item.selected, text: item.text, seq: item.seq })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      sending = false;
      var pendingSameQuestion = function () { return queue.some(function (q) { return q.fieldset === item.fieldset; }); };
      if (res.status === 200) {
        settle(item);
        if (!pendingSameQuestion()) stateOf(item.fieldset, "Saved", "saved");
        if (typeof res.body.remaining_seconds === "number") resync(res.body.remaining_seconds);
        netEl.textContent = ""; retryDelay = 1000;
        pump();
      } else if (res.status === 409 && res.body.code === "stale_response") {
        settle(item);
        if (!pendingSameQuestion()) {
          applySelection(item.fieldset, res.body.selected || [], res.body.text);
          item.fieldset.dataset.seq = res.body.seq;
          stateOf(item.fieldset, "Saved — a newer answer from another window was kept", "saved");
        }
        pump();
      } else if (res.status === 409 || res.status === 403) {
        queue = []; persist();
        window.location.reload();           // the session is over: the server shows the finished page
      } else {
        settle(item);
        stateOf(item.fieldset, "Not saved: " + (res.body.detail || JSON.stringify(res.body)), "error");
        pump();
      }
    }).catch(function () {
      sending = false;
      queue.forEach(function (q) { stateOf(q.fieldset, "Not saved yet — will retry", "error"); });
      netEl.textContent = "Connection lost. Your answers are kept in this browser and will be sent, in order, " +
        "as soon as the connection is back. Do not close this page.";
      setTimeout(pump, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    });
  }

  function whenSaved(cb, waitedMs) {
    waitedMs = waitedMs || 0;
    if ((!queue.length && !sending) || waitedMs > 8000) { cb(); return; }
    setTimeout(function () { whenSaved(cb, waitedMs + 100); }, 100);
  }

  function finish() {
    if (finishing) return;
    finishing = true;
    whenSaved(function () { HTMLFormElement.prototype.submit.call(form); });
  }

  function changed(fieldset) {
    if (!fieldset || finishing) return;
    var seq = Math.max(Date.now(), parseInt(fieldset.dataset.seq || "0", 10) + 1);
    enqueue(fieldset, selectedOf(fieldset), seq);
  }

  form.addEventListener("change", function (e) {
    if (e.target.tagName !== "TEXTAREA") changed(e.target.closest("fieldset.question"));
  });
  // Written answers save a moment after typing stops, and at once when the field is left.
  var typing = {};
  form.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA") return;
    var fieldset = e.target.closest("fieldset.question");
    clearTimeout(typing[fieldset.id]);
    stateOf(fieldset, "Not saved yet", "saving");
    typing[fieldset.id] = setTimeout(function () { typing[fieldset.id] = null; changed(fieldset); }, 800);
  });
  form.addEventListener("focusout", function (e) {
    if (e.target.tagName !== "TEXTAREA") return;
    var fieldset = e.target.closest("fieldset.question");
    if (typing[fieldset.id]) { clearTimeout(typing[fieldset.id]); typing[fieldset.id] = null; changed(fieldset); }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var unanswered = questions.filter(function (f) { return !isAnswered(f); })
      .map(function (f) { return f.id.slice(1); });
    var msg = unanswered.length
      ? "You have not answered question" + (unanswered.length > 1 ? "s " : " ") + unanswered.join(", ") +
        ".\nSubmit anyway? You cannot change answers afterwards."
      : "Submit the test? You cannot change answers afterwards.";
    if (window.confirm(msg)) finish();
  });

  // Answers queued before a reload or a lost connection are sent again, unless the server already
  // holds something newer.
  var stored = [];
  try { stored = JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { stored = []; }
  stored.forEach(function (item) {
    var fieldset = fieldsetFor(item.question);
    if (fieldset && item.seq > parseInt(fieldset.dataset.seq || "0", 10)) {
      applySelection(fieldset, item.selected, item.text);
      enqueue(fieldset, item.selected, item.seq);
    }
  });
  persist();

  function refreshTime() {
    fetch(sessionUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status && body.status !== "in_progress") { window.location.reload(); return; }
        if (typeof body.remaining_seconds === "number") resync(body.remaining_seconds);
      }).catch(function () {});
  }

  // ---- integrity signals (best effort, for a human reviewer) ------------------------------------
  var lastSignal = {};
  function signal(kind, detail) {
    var now = Date.now();
    if (finishing || (lastSignal[kind] && now - lastSignal[kind] < 2000)) return;
    lastSignal[kind] = now;
    fetch(eventsUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ kind: kind, detail: detail || "" })
    }).catch(function () {});
  }

  window.addEventListener("blur", function () { signal("focus_lost"); });
  window.addEventListener("focus", refreshTime);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) signal("tab_hidden"); else refreshTime();
  });
  document.addEventListener("paste", function (e) {
    var text = (e.clipboardData && e.clipboardData.getData("text")) || "";
    signal("paste", text.length + " characters");
  });
  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement) signal("fullscreen_exit");
  });
  window.addEventListener("online", pump);
  window.addEventListener("beforeunload", function (e) {
    if (queue.length && !finishing) { e.preventDefault(); e.returnValue = ""; }
  });
  tick();
})();
