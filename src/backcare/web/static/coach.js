// backcare exercise coach: runs the coach engine's segment timeline on the browser's clock.
// The server lays out the segments (GET data-plan-url); this script only counts them down,
// beeps at each change (WebAudio), pauses and resumes, and sends the result back if asked to.
(function () {
  "use strict";
  var root = document.getElementById("coach");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var speed = Math.min(100, Math.max(1, Number(root.getAttribute("data-speed")) || 1));
  var LABELS = { lead_in: "Get ready", hold: "Hold", rest: "Rest", switch_side: "Switch sides" };
  var view = null, ends = [], index = -1, t0 = 0, pausedAt = null, pausedMs = 0;
  var timer = null, audio = null, holds = {};

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
    } catch (e) { /* no sound available: the display still changes */ }
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

  function enter(i) {
    var seg = view.segments[i];
    if (index >= 0 && view.segments[index].kind === "hold") {
      var done = view.segments[index];
      var key = done.exercise_index + ":" + done.side;
      holds[key] = (holds[key] || 0) + 1;
    }
    index = i;
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
    var length = ends[i] - start;
    $("coach-countdown").textContent = clock(ends[i] - now);
    $("coach-progress").value = Math.min(1, (now - start) / length);
  }

  function finish(quit) {
    if (index >= 0 && !quit && view.segments[index].kind === "hold") { enter(index); }
    clearInterval(timer); timer = null;
    setState("done");
    $("coach-segment").textContent = quit ? "Stopped. Well done for what you did." : "Session complete. Well done!";
    $("coach-status").textContent = $("coach-segment").textContent;
    $("coach-countdown").textContent = "✓";
    $("coach-progress").value = 1;
    $("coach-pause").disabled = true; $("coach-stop").disabled = true;
    $("coach-start").disabled = false; $("coach-start").textContent = "Start again";
    beep(true);
    save(quit);
  }

  function save(quit) {
    var url = root.getAttribute("data-save-url");
    if (!url) { return; }
    var body = {
      episode_id: view.episode_id, quit_early: quit,
      active_seconds: Math.round(Math.min(active(), ends[ends.length - 1]) * 10) / 10,
      completed_holds: holds
    };
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) { root.setAttribute("data-saved", r.ok ? "yes" : "no"); })
      .catch(function () { root.setAttribute("data-saved", "no"); });
  }

  function start() {
    holds = {}; index = -1; pausedAt = null; pausedMs = 0; t0 = performance.now();
    setState("running");
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
