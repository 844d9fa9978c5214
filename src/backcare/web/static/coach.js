// backcare exercise coach: runs the coach engine's segment timeline on the browser's clock.
// The server lays out the session (GET data-plan-url); this script counts the segments down,
// beeps at each change (WebAudio), pauses and resumes, then saves what was done
// (POST data-save-url). No clinical decision is made here: a reported symptom is sent to the
// server, whose triage answers.
(function () {
  "use strict";
  var root = document.getElementById("coach");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var speed = Math.min(100, Math.max(1, Number(root.getAttribute("data-speed")) || 1));
  var LABELS = { lead_in: "Get ready", hold: "Hold", rest: "Rest", switch_side: "Switch sides" };
  var view = null, ends = [], index = -1, t0 = 0, pausedAt = null, pausedMs = 0, timer = null;
  var audio = null, reps = [], longest = [], startedAt = null, endedAt = null, quitEarly = false;

  function active() {
    var at = pausedAt !== null ? pausedAt : performance.now();
    return (at - t0 - pausedMs) / 1000 * speed;
  }

  function beep(high) {
    if (!$("coach-sound").checked) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = high ? 880 : 587;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound here: the display still changes */ }
  }

  function describe(seg) {
    var ex = view.exercises[seg.exercise_index];
    var text = LABELS[seg.kind] || seg.kind;
    if (seg.side !== "both") { text += " (" + seg.side + " side)"; }
    if (seg.kind === "hold" || seg.kind === "rest") { text += ", rep " + seg.rep + " of " + ex.reps; }
    return text;
  }

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    return s >= 60 ? Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") : String(s);
  }

  function setState(state) { root.setAttribute("data-state", state); }

  function holdDone(i, seconds) {
    var seg = view.segments[i];
    longest[seg.exercise_index] = Math.max(longest[seg.exercise_index], seconds);
    if (seconds >= seg.duration_seconds) {
      reps[seg.exercise_index][seg.side] += 1;
    }
  }

  function complete(until) {
    // Count every hold that ran to its end before segment `until` (a slow tick, or a fast
    // clock, can pass several segments at once).
    for (var k = Math.max(index, 0); k < until; k += 1) {
      if (view.segments[k].kind === "hold") { holdDone(k, view.segments[k].duration_seconds); }
    }
  }

  function enter(i) {
    if (index >= 0) { complete(i); }
    index = i;
    var seg = view.segments[i];
    root.setAttribute("data-segment", String(i));
    $("coach-exercise").textContent = view.exercises[seg.exercise_index].name;
    $("coach-segment").textContent = describe(seg);
    $("coach-status").textContent = view.exercises[seg.exercise_index].name + ": " + describe(seg);
    beep(seg.kind === "hold");
  }

  function tick() {
    var now = active();
    var i = index < 0 ? 0 : index;
    while (i < ends.length && now >= ends[i]) { i += 1; }
    if (i >= ends.length) { finish(false); return; }
    if (i !== index) { enter(i); }
    var start = i === 0 ? 0 : ends[i - 1];
    $("coach-countdown").textContent = clock(ends[i] - now);
    $("coach-progress").value = Math.min(1, (now - start) / (ends[i] - start));
  }

  function finish(quit) {
    var now = Math.min(active(), ends[ends.length - 1]);
    if (!quit) {
      complete(ends.length);
    } else if (index >= 0 && view.segments[index].kind === "hold") {
      holdDone(index, now - (index === 0 ? 0 : ends[index - 1]));  // a hold cut short
    }
    clearInterval(timer); timer = null; pausedAt = null;
    quitEarly = quit; endedAt = new Date();
    root.setAttribute("data-active-seconds", String(Math.round(now * 10) / 10));
    setState("done");
    $("coach-segment").textContent = quit ? "Stopped. Well done for what you did." : "Session complete. Well done!";
    $("coach-status").textContent = $("coach-segment").textContent;
    $("coach-countdown").textContent = "Done";
    $("coach-progress").value = 1;
    $("coach-pause").disabled = true; $("coach-stop").disabled = true;
    $("coach-start").disabled = false; $("coach-start").textContent = "Start again";
    $("coach-after").hidden = false;
    $("coach-save").disabled = false;
    beep(true);
  }

  function number(id) {
    var v = $(id).value;
    return v === "" ? null : Number(v);
  }

  function show(body) {
    var box = $("coach-result");
    box.textContent = "";
    var p = document.createElement("p");
    if (body.emergency) {
      p.className = "result-emergency";
      p.textContent = body.emergency.message + " ";
      var call = document.createElement("a");
      call.href = "tel:" + body.emergency.number;
      call.textContent = "Call " + body.emergency.number;
      p.appendChild(call);
    } else {
      p.textContent = "Saved: " + body.reps_done + " holds done.";
    }
    box.appendChild(p);
    (body.advice || []).forEach(function (line) {
      var item = document.createElement("p");
      item.textContent = line;
      box.appendChild(item);
    });
    if (body.checkin) {
      var note = document.createElement("p");
      note.textContent = body.checkin.escalation.headline + " It was added to your diary.";
      box.appendChild(note);
    }
  }

  function save() {
    var symptom = $("symptom").value || null;
    var body = {
      started_at: startedAt.toISOString(), ended_at: endedAt.toISOString(),
      active_seconds: Number(root.getAttribute("data-active-seconds")),
      quit_early: quitEarly, pain_before: number("pain-before"), pain_after: number("pain-after"),
      symptom: symptom, stopped_for_symptom: Boolean(symptom) && quitEarly,
      exercises: view.exercises.map(function (ex, i) {
        return { exercise_id: ex.id, completed_reps: reps[i], longest_hold_seconds: Math.round(longest[i] * 100) / 100, skipped: false };
      })
    };
    $("coach-save").disabled = true;
    fetch(root.getAttribute("data-save-url"), {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin"
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      root.setAttribute("data-saved", res.ok ? "yes" : "no");
      if (res.ok) { show(res.data); } else {
        $("coach-result").textContent = "Not saved: " + res.data.error.message;
        $("coach-save").disabled = false;
      }
    }).catch(function () {
      root.setAttribute("data-saved", "no");
      $("coach-result").textContent = "Not saved: the server did not answer.";
      $("coach-save").disabled = false;
    });
  }

  function start() {
    reps = view.exercises.map(function (ex) {
      return ex.sides === "each" ? { left: 0, right: 0 } : { both: 0 };
    });
    longest = view.exercises.map(function () { return 0; });
    index = -1; pausedAt = null; pausedMs = 0; t0 = performance.now(); startedAt = new Date();
    setState("running");
    $("coach-after").hidden = true; $("coach-result").textContent = "";
    $("coach-start").disabled = true;
    $("coach-pause").disabled = false; $("coach-pause").textContent = "Pause";
    $("coach-stop").disabled = false;
    tick();
    timer = setInterval(tick, 100);
  }

  function togglePause() {
    if (pausedAt === null) {
      pausedAt = performance.now(); clearInterval(timer); timer = null;
      setState("paused"); $("coach-pause").textContent = "Resume";
      $("coach-status").textContent = "Paused";
    } else {
      pausedMs += performance.now() - pausedAt; pausedAt = null;
      setState("running"); $("coach-pause").textContent = "Pause";
      $("coach-status").textContent = "Resumed";
      tick(); timer = setInterval(tick, 100);
    }
  }

  $("coach-start").addEventListener("click", start);
  $("coach-pause").addEventListener("click", togglePause);
  $("coach-stop").addEventListener("click", function () { finish(true); });
  $("coach-save").addEventListener("click", save);
  $("coach-start").disabled = true;
  fetch(root.getAttribute("data-plan-url"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (data) {
      view = data; var total = 0;
      ends = data.segments.map(function (s) { total += s.duration_seconds; return total; });
      $("coach-start").disabled = ends.length === 0;
      setState("ready");
    })
    .catch(function () {
      $("coach-segment").textContent = "The timer could not load. Follow the steps below with a clock.";
      setState("error");
    });
}());
