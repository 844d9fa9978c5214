// backcare exercise coach: runs the coach engine's segment timeline on the browser's clock.
// The server lays out the session (GET data-plan-url): the segments, the words to say in each
// (the coach's cue script) and each exercise's drawing. This script counts the segments down,
// rings a bell (WebAudio) and speaks the cues (speechSynthesis, the device's own voices) at
// each change, sets data-phase so the drawing moves into the held position and back, keeps
// the screen awake while it runs (Screen Wake Lock), pauses, skips and repeats, then saves
// what was done (POST data-save-url). No clinical decision is made here: a reported symptom
// is sent to the server, whose triage answers.
(function () {
  "use strict";
  var root = document.getElementById("coach");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var speed = Math.min(100, Math.max(1, Number(root.getAttribute("data-speed")) || 1));
  var LABELS = { lead_in: "Get ready", hold: "Hold", rest: "Rest", switch_side: "Switch sides" };
  var view = null, starts = [], ends = [], index = -1, t0 = 0, pausedAt = null, pausedMs = 0;
  var offset = 0, timer = null, audio = null, reps = [], longest = [], skipped = [];
  var startedAt = null, endedAt = null, quitEarly = false, activeSeconds = 0, cueNext = 0;
  var wakeLock = null, wakeRequests = 0, shownExercise = -1;

  // --- settings remembered on this device ---
  function remembered(id, key) {
    var box = $(id);
    try {
      var stored = window.localStorage.getItem(key);
      if (stored !== null) { box.checked = stored === "on"; }
    } catch (e) { /* storage blocked: the box keeps its default */ }
    box.addEventListener("change", function () {
      try { window.localStorage.setItem(key, box.checked ? "on" : "off"); } catch (e) { /* not kept */ }
      if (id === "coach-voice" && !box.checked && window.speechSynthesis) { window.speechSynthesis.cancel(); }
    });
  }

  // --- time: `active` is time spent exercising; `position` is where the timeline is (skip and
  // repeat move the position, not the time spent) ---
  function active() {
    var at = pausedAt !== null ? pausedAt : performance.now();
    return (at - t0 - pausedMs) / 1000 * speed;
  }
  function position() { return active() + offset; }
  function running() { return root.getAttribute("data-state") === "running"; }

  // --- sound, voice and the screen ---
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

  function offlineVoice(synth) {
    // Only voices on the device: a network voice would send the words away and fail offline.
    var voices = synth.getVoices() || [];
    if (!voices.length) { return null; }  // not listed yet: the default voice is the device's
    var lang = (document.documentElement.lang || "en").toLowerCase().slice(0, 2);
    var local = voices.filter(function (v) { return v.localService; });
    if (!local.length) { return false; }
    return local.filter(function (v) { return v.lang.toLowerCase().slice(0, 2) === lang; })[0] || local[0];
  }

  function say(text, interrupt) {
    var synth = window.speechSynthesis;
    if (!text || !$("coach-voice").checked || !synth || typeof SpeechSynthesisUtterance === "undefined") { return; }
    var voice = offlineVoice(synth);
    if (voice === false) {
      $("coach-voice-note").hidden = false;
      $("coach-voice-note").textContent = "This device has no offline voice, so the steps are not spoken.";
      return;
    }
    if (interrupt) { synth.cancel(); }  // a new step: late words would be wrong words
    var words = new SpeechSynthesisUtterance(text);
    words.lang = document.documentElement.lang || "en";
    if (voice) { try { words.voice = voice; } catch (e) { /* keep the default voice */ } }
    synth.speak(words);
  }

  function keepAwake() {
    if (!navigator.wakeLock || wakeLock) { return; }
    var request = wakeRequests += 1;
    wakeLock = "pending";
    navigator.wakeLock.request("screen").then(function (lock) {
      if (request !== wakeRequests || !running()) { lock.release(); return; }  // paused meanwhile
      wakeLock = lock;
      lock.addEventListener("release", function () { if (wakeLock === lock) { wakeLock = null; } });
    }).catch(function () { wakeLock = null; });  // refused (battery saver): the coach still runs
  }

  function letSleep() {
    var lock = wakeLock;
    wakeLock = null; wakeRequests += 1;
    if (lock && lock !== "pending") { lock.release().catch(function () { /* already released */ }); }
  }

  // --- the timeline ---
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
    longest[seg.exercise_index] = Math.max(longest[seg.exercise_index], Math.min(seconds, seg.duration_seconds));
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

  function showExercise(e) {
    if (e === shownExercise) { return; }
    shownExercise = e;
    var ex = view.exercises[e];
    $("coach-exercise").textContent = ex.name;
    Array.prototype.forEach.call(root.querySelectorAll(".coach-figure"), function (fig) {
      fig.hidden = Number(fig.getAttribute("data-exercise")) !== e;
    });
    var list = $("coach-steps");
    list.textContent = "";
    ex.steps.forEach(function (step) {
      var item = document.createElement("li");
      item.textContent = step;
      list.appendChild(item);
    });
  }

  function enter(i) {
    if (index >= 0) { complete(i); }
    index = i; cueNext = 0;
    var seg = view.segments[i];
    root.setAttribute("data-segment", String(i));
    root.setAttribute("data-phase", seg.kind);
    showExercise(seg.exercise_index);
    $("coach-segment").textContent = describe(seg);
    $("coach-status").textContent = view.exercises[seg.exercise_index].name + ": " + describe(seg);
    beep(seg.kind === "hold");
  }

  function speakDue(now) {
    // The cues of the current segment whose time has come; passed ones are said together.
    var cues = view.segments[index].cues, due = [], first = cueNext === 0;
    while (cueNext < cues.length && cues[cueNext].at_seconds <= now - starts[index]) {
      due.push(cues[cueNext].text); cueNext += 1;
    }
    if (due.length) { say(due.join(" "), first); }
  }

  function tick() {
    var now = position();
    var i = index < 0 ? 0 : index;
    while (i < ends.length && now >= ends[i]) { i += 1; }
    if (i >= ends.length) { finish(false, true); return; }
    if (i !== index) { enter(i); }
    speakDue(now);
    $("coach-countdown").textContent = clock(ends[i] - now);
    $("coach-progress").value = Math.min(1, (now - starts[i]) / (ends[i] - starts[i]));
  }

  function cutShort() {
    // A hold left before its end still counts towards the longest hold.
    if (index >= 0 && view.segments[index].kind === "hold") { holdDone(index, position() - starts[index]); }
  }

  function firstSegmentOf(exercise) {
    for (var k = 0; k < view.segments.length; k += 1) {
      if (view.segments[k].exercise_index === exercise) { return k; }
    }
    return -1;
  }

  function jump(target) {
    offset += starts[target] - position();
    index = -1;  // nothing between here and there was done
    enter(target);
    tick();
  }

  function skip() {
    var exercise = view.segments[index].exercise_index;
    cutShort();
    skipped[exercise] = true;
    var next = firstSegmentOf(exercise + 1);
    if (next < 0) { finish(false, false); } else { jump(next); }
  }

  function repeat() {
    var exercise = view.segments[index].exercise_index;
    cutShort();
    skipped[exercise] = false;
    Object.keys(reps[exercise]).forEach(function (side) { reps[exercise][side] = 0; });
    jump(firstSegmentOf(exercise));
  }

  function controls(isRunning) {
    $("coach-start").disabled = isRunning;
    ["coach-pause", "coach-stop", "coach-skip", "coach-repeat"].forEach(function (id) {
      $(id).disabled = !isRunning;
    });
  }

  function finish(quit, ranToEnd) {
    // Ran to the end: every hold not yet counted was held; else the current one was cut short
    // (skip already counted it). Time exercising excludes the overrun past the last segment.
    if (ranToEnd) { complete(ends.length); } else if (quit) { cutShort(); }
    activeSeconds = active() - (ranToEnd ? Math.max(0, position() - ends[ends.length - 1]) : 0);
    clearInterval(timer); timer = null; pausedAt = null;
    quitEarly = quit; endedAt = new Date();
    root.setAttribute("data-active-seconds", String(Math.round(activeSeconds * 10) / 10));
    root.setAttribute("data-phase", "done");
    setState("done");
    letSleep();
    $("coach-segment").textContent = quit ? "Stopped. Well done for what you did." : "Session complete. Well done!";
    $("coach-status").textContent = $("coach-segment").textContent;
    $("coach-countdown").textContent = "Done";
    $("coach-progress").value = 1;
    controls(false);
    $("coach-start").textContent = "Start again";
    $("coach-after").hidden = false;
    $("coach-save").disabled = false;
    beep(true);
    say(quit ? view.stopped_cue : view.closing_cue, true);
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
      active_seconds: Math.round(activeSeconds * 10) / 10,
      quit_early: quitEarly, pain_before: number("pain-before"), pain_after: number("pain-after"),
      symptom: symptom, stopped_for_symptom: Boolean(symptom) && quitEarly,
      exercises: view.exercises.map(function (ex, i) {
        return { exercise_id: ex.id, completed_reps: reps[i], longest_hold_seconds: Math.round(longest[i] * 100) / 100, skipped: skipped[i] };
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
    skipped = view.exercises.map(function () { return false; });
    index = -1; offset = 0; pausedAt = null; pausedMs = 0; t0 = performance.now(); startedAt = new Date();
    shownExercise = -1;
    setState("running");
    $("coach-after").hidden = true; $("coach-result").textContent = "";
    root.removeAttribute("data-saved");
    controls(true);
    $("coach-pause").textContent = "Pause";
    keepAwake();
    tick();
    timer = setInterval(tick, 100);
  }

  function togglePause() {
    if (pausedAt === null) {
      pausedAt = performance.now(); clearInterval(timer); timer = null;
      setState("paused"); $("coach-pause").textContent = "Resume";
      $("coach-status").textContent = "Paused";
      letSleep();
      if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    } else {
      pausedMs += performance.now() - pausedAt; pausedAt = null;
      setState("running"); $("coach-pause").textContent = "Pause";
      $("coach-status").textContent = "Resumed";
      keepAwake();
      tick(); timer = setInterval(tick, 100);
    }
  }

  remembered("coach-sound", "backcare.coach.bell");
  remembered("coach-voice", "backcare.coach.voice");
  $("coach-start").addEventListener("click", start);
  $("coach-pause").addEventListener("click", togglePause);
  $("coach-stop").addEventListener("click", function () { finish(true, false); });
  $("coach-skip").addEventListener("click", skip);
  $("coach-repeat").addEventListener("click", repeat);
  $("coach-save").addEventListener("click", save);
  // The browser drops the wake lock when the page is hidden; take it again on return.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && running()) { keepAwake(); }
  });
  $("coach-start").disabled = true;
  fetch(root.getAttribute("data-plan-url"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (data) {
      view = data; var total = 0;
      ends = data.segments.map(function (s) { total += s.duration_seconds; return total; });
      starts = ends.map(function (end, i) { return end - data.segments[i].duration_seconds; });
      $("coach-start").disabled = ends.length === 0;
      setState("ready");
    })
    .catch(function () {
      $("coach-segment").textContent = "The timer could not load. Follow the steps below with a clock.";
      setState("error");
    });
}());
