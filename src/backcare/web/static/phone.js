// backcare on a phone: install the service worker, keep check-ins made offline, send them later.
//
// Online, the check-in form posts as usual. Offline, saving it puts the check-in in the
// queue (queue.js) with the time it was made, tells the person so, and repeats the
// emergency advice if a warning sign was ticked (no answer can come from the server).
// Back online, or on any page opened online, the queue is sent.
// Every word shown comes from the page (this script's data-words), in the catalogue's words.
"use strict";
(function () {
  const queue = self.backcareQueue;
  const script = document.currentScript;
  const words = JSON.parse((script && script.getAttribute("data-words")) || "{}");
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => values[key] ?? all);

  // Not on the hosted sign-in pages (data-offline="off"): after signing out, the browser
  // has just dropped the site's caches, and a worker installed there would fill them again.
  const offline = !script || script.getAttribute("data-offline") !== "off";
  if (offline && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }

  function localIso(date) {
    const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
    const offset = -date.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    return (
      `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
      `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
      `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
    );
  }

  // The check-in form as the JSON API's body (the server checks it again when it arrives).
  function body(form, now) {
    const data = new FormData(form);
    const text = (name) => String(data.get(name) || "").trim();
    const out = { pain: Number(text("pain")), at: localIso(now) };
    if (text("worst_pain")) out.worst_pain = Number(text("worst_pain"));
    const actions = data.getAll("actions").map((action) => ({ action: String(action) }));
    if (actions.length) out.actions = actions;
    if (text("dose_drug")) {
      const dose = { drug: text("dose_drug"), mg: Number(text("dose_mg")) };
      const time = text("dose_time");
      if (/^\d{2}:\d{2}$/.test(time)) {
        const taken = new Date(now);
        taken.setHours(Number(time.slice(0, 2)), Number(time.slice(3, 5)), 0, 0);
        // A clock time later than now is yesterday's (the form's own reading of HH:MM).
        if (taken > now) taken.setDate(taken.getDate() - 1);
        dose.taken_at = localIso(taken);
      }
      out.doses = [dose];
    }
    const answers = {};
    for (const path of data.getAll("flags")) {
      const [group, name] = String(path).split(".");
      (answers[group] = answers[group] || {})[name] = true;
    }
    if (Object.keys(answers).length) out.answers = answers;
    if (text("note")) out.note = text("note");
    if (text("override") === "yes") out.override_dose_limits = true;
    return out;
  }

  function notice(id, kind, lines) {
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.setAttribute("role", kind === "warning" ? "alert" : "status");
      document.getElementById("main").prepend(box);
    }
    box.className = kind;
    box.replaceChildren(
      ...lines.map((line) => {
        const p = document.createElement("p");
        if (line.href) {
          const a = document.createElement("a");
          a.href = line.href;
          a.textContent = line.text;
          p.append(a);
        } else {
          p.textContent = line;
        }
        return p;
      }),
    );
    box.scrollIntoView({ block: "start" });
  }

  const form = document.querySelector("form[action='/diary/check-in']");
  if (form) {
    form.addEventListener("submit", async (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      if (!form.reportValidity()) return;
      const item = await queue.add(body(form, new Date()));
      const lines = [words.offline_saved];
      if (item.body.answers) lines.unshift(words.offline_warning);
      notice("offline-checkin", item.body.answers ? "warning" : "notice", lines);
      form.reset();
      if ("serviceWorker" in navigator && "SyncManager" in self) {
        const registration = await navigator.serviceWorker.ready;
        registration.sync.register("backcare-checkins").catch(() => {});
      }
    });
  }

  async function sendQueued() {
    if (!navigator.onLine) return;
    const sent = await queue.flush();
    const waiting = await queue.all();
    const refused = waiting.filter((item) => item.problem != null);
    const lines = [];
    if (sent.length) {
      lines.push(words.sent[String(sent.length)] || words.sent_many);
      for (const answer of sent) {
        if (answer.escalation && answer.escalation.needs_care) {
          lines.push(answer.escalation.headline);
        }
      }
      lines.push({ href: "/diary", text: words.see_diary });
    }
    for (const item of refused) {
      const when = new Date(item.made).toLocaleString(document.documentElement.lang || undefined);
      lines.push(fill(words.refused, { when, problem: item.problem || words.no_reason }));
      await queue.remove(item.key);
    }
    if (lines.length) {
      const urgent = sent.some((a) => a.escalation && a.escalation.needs_care) || refused.length;
      notice("sent-checkins", urgent ? "warning" : "notice", lines);
    }
  }

  self.addEventListener("online", sendQueued);
  sendQueued();
})();
