/* Test builder: live numbers from POST /api/test-templates/stats/ and the question-bank search.
 * The page works without this file (every change is a form post); this only adds to it. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("builder");
  if (!form) { return; }
  var csrf = form.dataset.csrf;

  // After a form post that added or moved something, put the keyboard where the change is.
  var focusId = script && script.dataset.focus;
  if (focusId) {
    var target = document.getElementById(focusId);
    if (target) { target.focus(); }
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function durationText(seconds) {
    if (seconds < 60) { return seconds + " s"; }
    var minutes = Math.round(seconds / 60);
    return minutes < 60 ? "about " + minutes + " min" : "about " + Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function formsText(text) {
    // A string: the count can exceed what a JS number holds exactly.
    try { return BigInt(text).toLocaleString("en-US"); } catch (e) { return text; }
  }

  function value(root, field) {
    var el = root.querySelector('[data-field="' + field + '"]');
    return el ? el.value.trim() : "";
  }

  function isPoints(text) { return text === "" || (/^\d{1,4}(\.\d{1,2})?$/).test(text); }

  /* The draft as the stats API wants it; incomplete rows are left out (and show no numbers). */
  function collect() {
    var sections = [];
    var rows = [];
    form.querySelectorAll("section[data-section]").forEach(function (sec, index) {
      var titleInput = sec.querySelector('input[id$="-title"]');
      var section = {title: (titleInput && titleInput.value.trim()) || "Section " + (index + 1),
                     draw_rules: [], fixed_questions: []};
      sec.querySelectorAll("tr.rule").forEach(function (tr) {
        var out = tr.querySelector("output.eligible");
        var count = value(tr, "count");
        var points = value(tr, "points");
        if (value(tr, "topic") && (/^\d{1,3}$/).test(count) && +count >= 1 && +count <= 200 && isPoints(points)) {
          section.draw_rules.push({topic: value(tr, "topic"), difficulty: value(tr, "difficulty"),
                                   count: +count, points: points || "1"});
          rows.push({out: out, section: sections.length, rule: section.draw_rules.length - 1});
        } else {
          out.textContent = "—";
        }
      });
      sec.querySelectorAll("tr.fixed-row").forEach(function (tr) {
        var question = value(tr, "question");
        var points = value(tr, "points");
        if ((/^\d{1,18}$/).test(question) && isPoints(points)) {
          section.fixed_questions.push({question: +question, points: points || "1"});
        }
      });
      sections.push(section);
    });
    return {payload: {sections: sections}, rows: rows};
  }

  function showEligible(out, rule) {
    out.textContent = rule.eligible + " eligible" +
      (rule.available !== rule.eligible ? ", " + rule.available + " left for this rule" : "");
    if (rule.short_by) {
      var badge = document.createElement("span");
      badge.className = "badge bad";
      badge.textContent = "short by " + rule.short_by;
      out.append(" ", badge);
    }
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) { el.textContent = text; }
  }

  var latest = 0;
  function refresh() {
    var draft = collect();
    var ticket = ++latest;
    fetch(form.dataset.statsUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(draft.payload)
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (ticket !== latest) { return; }  // a newer request is on its way
      if (!result.ok) {
        draft.rows.forEach(function (row) { row.out.textContent = "—"; });
        setText("stat-warning", "Numbers unavailable: a fixed question id does not exist, or a value is not valid.");
        return;
      }
      var stats = result.body;
      draft.rows.forEach(function (row) { showEligible(row.out, stats.sections[row.section].rules[row.rule]); });
      setText("stat-questions", String(stats.question_count));
      setText("stat-points", stats.total_points.replace(/\.00$/, ""));
      setText("stat-duration", durationText(stats.expected_seconds));
      setText("stat-forms", formsText(stats.distinct_forms));
      var limit = parseFloat(document.getElementById("id_time_limit_minutes").value) * 60;
      var warning = stats.shortfalls.length
        ? "Some rules cannot be drawn: publishing will fail until the bank has enough published items."
        : (limit && stats.expected_seconds > limit ? "The expected duration is longer than the time limit." : "");
      setText("stat-warning", warning);
      var list = document.getElementById("stat-shortfalls");
      list.textContent = "";
      stats.shortfalls.forEach(function (message) {
        var li = document.createElement("li");
        li.textContent = message;
        list.append(li);
      });
    }).catch(function () {
      if (ticket === latest) { setText("stat-warning", "Numbers unavailable right now (network)."); }
    });
  }
  var refreshSoon = debounce(refresh, 250);

  var unsaved = document.getElementById("unsaved-note");
  function onEdit(event) {
    if (event.target.closest("[data-bank]")) { return; }
    if (unsaved) { unsaved.textContent = "Unsaved changes: save before previewing or publishing."; }
    refreshSoon();
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);
  refresh();

  /* --- The bank search: published questions, added to a section as fixed questions. --- */
  function firstLine(stem) {
    var lines = stem.split("\n").map(function (l) { return l.trim(); }).filter(function (l) { return l && l.indexOf("```") !== 0; });
    var line = lines.length ? lines[0] : stem.trim();
    return line.length > 140 ? line.slice(0, 139) + "…" : line;
  }

  function addFixed(section, questionId) {
    [["action", "add-fixed-" + section], ["add_question", String(questionId)]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.append(input);
    });
    form.submit();
  }

  form.querySelectorAll("[data-bank]").forEach(function (bank) {
    var section = bank.dataset.bank;
    var status = bank.querySelector("[data-bank-status]");
    var list = bank.querySelector("[data-bank-results]");
    var ticket = 0;
    bank.hidden = false;

    function search() {
      var params = new URLSearchParams({status: "published", limit: "20"});
      bank.querySelectorAll("[data-filter]").forEach(function (el) {
        if (el.value.trim()) { params.set(el.dataset.filter, el.value.trim()); }
      });
      var mine = ++ticket;
      status.textContent = "Searching…";
      fetch(form.dataset.questionsUrl + "?" + params.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json().then(function (body) { return {ok: response.ok, body: body}; }); })
        .then(function (result) {
          if (mine !== ticket) { return; }
          list.textContent = "";
          if (!result.ok) { status.textContent = "The search could not run: check the filters."; return; }
          var rows = result.body.results || result.body;
          var total = result.body.count === undefined ? rows.length : result.body.count;
          status.textContent = total === 0 ? "No published questions match."
            : (total > rows.length ? "Showing " + rows.length + " of " + total + " matching questions." : total + " matching question" + (total === 1 ? "." : "s."));
          rows.forEach(function (q) {
            var li = document.createElement("li");
            var text = document.createElement("span");
            text.className = "stem-line";
            text.textContent = "#" + q.id + " " + firstLine(q.stem);
            var meta = document.createElement("span");
            meta.className = "muted small";
            meta.textContent = [q.topic, q.difficulty, q.kind.replace("_", " ")].join(" · ");
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = "Add";
            button.setAttribute("aria-label", "Add question " + q.id + " to section " + (+section + 1));
            button.addEventListener("click", function () { addFixed(section, q.id); });
            li.append(text, meta, button);
            list.append(li);
          });
        })
        .catch(function () { if (mine === ticket) { status.textContent = "The search could not run (network)."; } });
    }
    var searchSoon = debounce(search, 300);
    bank.querySelectorAll("[data-filter]").forEach(function (el) {
      el.addEventListener("input", searchSoon);
      el.addEventListener("change", searchSoon);
      // Enter in a search box searches; it must not submit (and save) the builder.
      el.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); search(); }
      });
    });
  });
}());
