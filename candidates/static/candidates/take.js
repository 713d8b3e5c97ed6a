// The candidate's test page: autosave every change, keep the countdown honest, submit safely.
// The server owns the deadline: the countdown is re-synchronised from every save reply and
// whenever the page regains focus; the client clock is only used to tick between replies.
(function () {
  "use strict";
  var form = document.getElementById("test-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;            // ".../responses/0/": the 0 is replaced per question
  var sessionUrl = saveUrl.replace(/responses\/0\/$/, "");
  var csrf = form.dataset.csrf;
  var timerEl = document.getElementById("timer");
  var announceEl = document.getElementById("timer-announce");
  var netEl = document.getElementById("net-status");
  var endAt = performance.now() + parseFloat(timerEl.dataset.remaining) * 1000;
  var warned = {};
  var finishing = false;
  var queue = [];          // pending saves, in the order the candidate made them
  var sending = false;
  var retryDelay = 1000;

  function fmt(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m));
    return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
  }

  function resync(remainingSeconds) { endAt = performance.now() + remainingSeconds * 1000; }

  function tick() {
    var left = endAt - performance.now();
    timerEl.textContent = fmt(left);
    timerEl.classList.toggle("low", left <= 60000);
    [[300000, "5 minutes left."], [60000, "1 minute left."]].forEach(function (w) {
      if (left <= w[0] && left > 0 && !warned[w[0]]) { warned[w[0]] = true; announceEl.textContent = w[1]; }
    });
    if (left <= 0) { finish(); return; }
    setTimeout(tick, 250);
  }

  function stateOf(fieldset, text, cls) {
    var el = fieldset.querySelector(".save-state");
    el.textContent = text;
    el.className = "save-state " + (cls || "");
  }

  function selectedOf(fieldset) {
    return Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
  }

  function enqueue(fieldset) {
    var seq = parseInt(fieldset.dataset.seq || "0", 10) + 1;
    fieldset.dataset.seq = seq;
    // A newer answer to the same question replaces the queued one; order across questions is kept.
    queue = queue.filter(function (item) { return item.fieldset !== fieldset; });
    queue.push({ fieldset: fieldset, question: fieldset.dataset.question, selected: selectedOf(fieldset), seq: seq });
    stateOf(fieldset, "Saving…", "saving");
    pump();
  }

  function pump() {
    if (sending || !queue.length) return;
    sending = true;
    var item = queue[0];
    fetch(saveUrl.replace(/0\/$/, item.question + "/"), {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ selected: item.selected, seq: item.seq })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    }).then(function (res) {
      sending = false;
      if (res.status === 200 || (res.status === 409 && res.body.code === "stale_response")) {
        if (queue[0] === item) queue.shift();
        if (queue.indexOf(item) === -1 && !queue.some(function (q) { return q.fieldset === item.fieldset; })) {
          stateOf(item.fieldset, "Saved", "saved");
        }
        if (typeof res.body.remaining_seconds === "number") resync(res.body.remaining_seconds);
        netEl.textContent = ""; retryDelay = 1000;
        pump();
      } else if (res.status === 409 || res.status === 403) {
        queue = [];
        window.location.reload();         // the session is over: the server shows the finished page
      } else {
        if (queue[0] === item) queue.shift();
        stateOf(item.fieldset, "Not saved: " + (res.body.detail || JSON.stringify(res.body)), "error");
        pump();
      }
    }).catch(function () {
      sending = false;
      stateOf(item.fieldset, "Not saved yet — retrying", "error");
      netEl.textContent = "Connection lost. Your answers are kept on this page and will be sent when the connection is back.";
      setTimeout(pump, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
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

  form.addEventListener("change", function (e) {
    var fieldset = e.target.closest("fieldset.question");
    if (fieldset && !finishing) enqueue(fieldset);
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var unanswered = Array.prototype.filter.call(form.querySelectorAll("fieldset.question"), function (f) {
      return !f.querySelector("input:checked");
    }).map(function (f) { return f.id.slice(1); });
    var msg = unanswered.length
      ? "You have not answered question" + (unanswered.length > 1 ? "s " : " ") + unanswered.join(", ") + ".\nSubmit anyway? You cannot change answers afterwards."
      : "Submit the test? You cannot change answers afterwards.";
    if (window.confirm(msg)) finish();
  });

  function refreshTime() {
    fetch(sessionUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status && body.status !== "in_progress") { window.location.reload(); return; }
        if (typeof body.remaining_seconds === "number") resync(body.remaining_seconds);
      }).catch(function () {});
  }
  window.addEventListener("focus", refreshTime);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refreshTime(); });
  window.addEventListener("online", pump);
  window.addEventListener("beforeunload", function (e) {
    if (queue.length && !finishing) { e.preventDefault(); e.returnValue = ""; }
  });
  tick();
})();
