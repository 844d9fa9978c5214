// backcare's queue of check-ins made offline, shared by the pages and the service worker.
//
// Each queued check-in is the JSON body of POST /api/v1/diary/check-ins with the UUID made
// when the person saved it. Sending uses that UUID as the Idempotency-Key, so sending twice
// (the page and the service worker at once, or a lost answer) records it once: the server
// keeps the key with the check-in. A check-in leaves the queue only when the server has
// answered for it; one the server refuses stays, marked with the reason, for the person.
"use strict";
(function (scope) {
  const DB = "backcare";
  const STORE = "checkins";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  function newKey() {
    if (scope.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function add(body) {
    const item = { key: newKey(), body, made: new Date().toISOString(), problem: null };
    await run("readwrite", (store) => store.put(item));
    return item;
  }

  const all = () => run("readonly", (store) => store.getAll());
  const remove = (key) => run("readwrite", (store) => store.delete(key));
  const mark = (item, problem) => run("readwrite", (store) => store.put({ ...item, problem }));

  // Send every waiting check-in once; returns the server's answers of those it accepted.
  let sending = null;
  function flush() {
    if (!sending) {
      sending = send().finally(() => {
        sending = null;
      });
    }
    return sending;
  }

  async function send() {
    const sent = [];
    for (const item of await all()) {
      if (item.problem != null) continue;
      let response;
      try {
        response = await fetch("/api/v1/diary/check-ins", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Idempotency-Key": item.key },
          body: JSON.stringify(item.body),
        });
      } catch (error) {
        break; // still offline: try again later
      }
      if (response.status === 201) {
        sent.push(await response.json());
        await remove(item.key);
      } else if (response.status >= 400 && response.status < 500 && response.status !== 401
                 && response.status !== 408 && response.status !== 429) {
        // The server read it and refused it (a dose limit, no active episode...): keep it
        // for the person with the reason, and never send it again by itself.
        // "" is a refusal without a reason: the page says so in its own words (phone.js).
        let message = "";
        try {
          message = (await response.json()).error.message;
        } catch (error) { /* not the JSON envelope */ }
        await mark(item, message);
      } else {
        break; // signed out, busy or failing: try again later
      }
    }
    return sent;
  }

  scope.backcareQueue = { add, all, remove, flush };
})(self);
