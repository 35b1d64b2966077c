// The pages' passkey button (API.md, "Passkeys"), served as /passkey.js. It shows itself only
// where the browser can parse WebAuthn's JSON forms; the password form beside it always works.
// Every word it shows comes from the page (data-* attributes written from the catalogues).
(function () {
  "use strict";
  var box = document.querySelector("[data-passkey]");
  var PKC = window.PublicKeyCredential;
  if (!box || !PKC || !PKC.parseCreationOptionsFromJSON || !PKC.parseRequestOptionsFromJSON) {
    return;
  }
  var mode = box.getAttribute("data-passkey");
  var button = box.querySelector("button");
  var alert = box.querySelector("[role=alert]");
  var form = document.querySelector("form[method=post]");
  var pending = null;

  function say(key) {
    alert.textContent = alert.getAttribute("data-" + key) || alert.getAttribute("data-failed");
    alert.hidden = false;
  }

  function field(name) {
    var input = form && form.querySelector("[name=" + name + "]");
    return input && input.value ? input.value : undefined;
  }

  // What names the link: its token, or the code with where it was sent (null: not typed yet).
  function link() {
    var token = field("token");
    if (token) return { token: token };
    var identifier = field("identifier"), code = field("code");
    return identifier && code ? { identifier: identifier, code: code } : null;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      redirect: "manual"
    });
  }

  // A success answers 303 to the app (with the cookies): go there.
  function finished(res) {
    if (res.type === "opaqueredirect" || res.ok) {
      window.location.assign(box.getAttribute("data-next"));
      return;
    }
    return res.json().then(function (e) {
      var code = e && e.error && e.error.code;
      say({
        code_invalid: "code",
        token_invalid: "link",
        token_expired: "link",
        token_used: "link",
        too_many_requests: "busy",
        account_disabled: "disabled",
        invalid_credentials: "failed"
      }[code] || "failed");
    }, function () { say("failed"); });
  }

  // The options; a refusal is said (unless `quiet`: the autofill's, which nobody asked for).
  function options(url, body, quiet) {
    return post(url, body).then(function (res) {
      if (!res.ok) {
        if (quiet) throw null;
        return finished(res).then(function () { throw null; });
      }
      return res.json();
    });
  }

  function failed(e) {
    // A prompt the tech closed is not an error worth a word.
    if (e && e.name === "NotAllowedError") return say("cancelled");
    if (e && e.name === "AbortError") return;
    if (e !== null) say("failed");
  }

  function register() {
    alert.hidden = true;
    var named = link();
    if (!named) return say("code");
    options(box.getAttribute("data-options"), named)
      .then(function (o) {
        return navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(o.publicKey) });
      })
      .then(function (credential) {
        named.credential = credential.toJSON();
        named.lang = field("lang");
        named.langGuessed = field("langGuessed");
        return post(box.getAttribute("data-finish"), named);
      })
      .then(finished)
      .catch(failed);
  }

  function signIn(conditional) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    if (!conditional) alert.hidden = true;
    return options(box.getAttribute("data-options"), {}, conditional)
      .then(function (o) {
        var request = { publicKey: PKC.parseRequestOptionsFromJSON(o.publicKey), signal: controller.signal };
        if (conditional) request.mediation = "conditional";
        return navigator.credentials.get(request);
      })
      .then(function (credential) {
        return post(box.getAttribute("data-finish"), { credential: credential.toJSON() });
      })
      .then(finished)
      .catch(function (e) {
        if (conditional) return;
        failed(e);
        // The button's request is over: offer the autofill again.
        autofill();
      });
  }

  function autofill() {
    if (mode === "signin" && PKC.isConditionalMediationAvailable) {
      PKC.isConditionalMediationAvailable().then(function (yes) {
        if (yes) signIn(true);
      });
    }
  }

  button.addEventListener("click", function () {
    if (mode === "register") register(); else signIn(false);
  });
  box.hidden = false;

  // Sign-in: offer the passkey in the email box's autofill too, where the browser can.
  autofill();
})();
