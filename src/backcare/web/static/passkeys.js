// Passkeys (WebAuthn): add one on the account page, sign in with one, or use one as the
// second step. Each passkey block of a page is a <section data-passkey="register|signin|second">
// holding its button, a status line, the CSRF token and the words to say (already translated
// by the server). The block stays hidden in a browser without WebAuthn.
//
// The server makes the options (with its own challenge) and checks the answer; this file only
// turns base64url strings into bytes for the browser and the browser's bytes back into
// base64url for the server, and posts them as JSON.
"use strict";
(function () {
  const ENDPOINTS = {
    register: ["/account/passkeys/options", "/account/passkeys"],
    signin: ["/signin/passkey/options", "/signin/passkey"],
    second: ["/signin/code/passkey/options", "/signin/code/passkey"],
  };

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(list) {
    return (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));
  }

  function creationOptions(json) {
    return {
      ...json,
      challenge: toBytes(json.challenge),
      user: { ...json.user, id: toBytes(json.user.id) },
      excludeCredentials: withBytes(json.excludeCredentials),
    };
  }

  function requestOptions(json) {
    return {
      ...json,
      challenge: toBytes(json.challenge),
      allowCredentials: withBytes(json.allowCredentials),
    };
  }

  function answer(credential) {
    const response = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) out.response.userHandle = toText(response.userHandle);
    }
    return out;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || "");
      error.server = true;
      throw error;
    }
    return data;
  }

  function say(block, key) {
    const status = block.querySelector("[data-passkey-status]");
    status.textContent = key.startsWith("msg") ? block.dataset[key] : key;
    status.hidden = false;
  }

  async function run(block, button) {
    const kind = block.dataset.passkey;
    const [optionsUrl, finishUrl] = ENDPOINTS[kind];
    const csrf = block.dataset.csrf;
    button.disabled = true;
    say(block, "msgWorking");
    try {
      const ask = { csrf_token: csrf };
      const password = block.querySelector("[name=password]");
      if (password) ask.password = password.value;
      const options = await post(optionsUrl, ask);
      let credential;
      try {
        credential =
          kind === "register"
            ? await navigator.credentials.create({ publicKey: creationOptions(options) })
            : await navigator.credentials.get({ publicKey: requestOptions(options) });
      } catch (error) {
        // NotAllowedError: the person closed the prompt, or it timed out.
        say(block, error && error.name === "NotAllowedError" ? "msgCancelled" : "msgUnsupported");
        return;
      }
      if (!credential) {
        say(block, "msgCancelled");
        return;
      }
      const body = { csrf_token: csrf, credential: answer(credential) };
      const name = block.querySelector("[name=passkey_name]");
      if (name) body.name = name.value;
      const done = await post(finishUrl, body);
      const next = new URL(done.redirect || "/", window.location.href);
      if (next.pathname === window.location.pathname && next.search === window.location.search) {
        // Only the #part differs: assign() would not load the page again, so reload it.
        window.location.hash = next.hash;
        window.location.reload();
      } else {
        window.location.assign(next.href);
      }
    } catch (error) {
      if (error && error.server && error.message) say(block, error.message);
      else say(block, "msgFailed");
    } finally {
      button.disabled = false;
    }
  }

  const supported =
    window.isSecureContext &&
    typeof window.PublicKeyCredential === "function" &&
    navigator.credentials &&
    typeof navigator.credentials.create === "function";

  for (const block of document.querySelectorAll("[data-passkey]")) {
    const missing = block.parentElement.querySelector("[data-passkey-missing]");
    if (!supported) {
      if (missing) missing.hidden = false;
      continue;
    }
    block.hidden = false;
    const button = block.querySelector("button");
    button.addEventListener("click", () => run(block, button));
  }
})();
