/*
 * Support assistant chat widget. Embed with one tag (same origin as the assistant):
 *   <script src="/webhooks/webchat/widget.js" defer></script>
 * Options as data- attributes on that tag: data-open="true" (start open), data-lang="en|zh".
 *
 * Safety: bot text is never parsed as HTML; it is put into text nodes, and only URLs and phone numbers
 * found in it become <a> elements built here (http(s) and tel: only).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(".", script.src).href;
  var origin = new URL(script.src).origin;
  var STRINGS = {
    en: { title: "Support assistant", placeholder: "Ask about numbers, hours, severity…", send: "Send",
          connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…", offline: "Offline, retrying…",
          typing: "The assistant is typing…", toggle: "中文", switch: "Switch to 中文 (Chinese)", open: "Support", close: "Close",
          refused: "Not sent: ", reset: "New chat", intro: "Hi! Ask me which number to call, support hours, severity levels or response times." },
    zh: { title: "支持助手", placeholder: "问电话、时间、严重级别……", send: "发送",
          connecting: "正在连接…", online: "在线", reconnecting: "正在重新连接…", offline: "已断开，正在重试…",
          typing: "助手正在输入…", toggle: "EN", switch: "切换到 EN（英文）", open: "支持", close: "关闭",
          refused: "未发送：", reset: "新对话", intro: "你好！可以问我支持电话、工作时间、严重级别或响应时间。" }
  };
  var KEY = { session: "supportChat.session", transcript: "supportChat.transcript", lang: "supportChat.lang", open: "supportChat.open" };
  var MAX_TRANSCRIPT = 200, MAX_INPUT = 2000;

  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: no persistence */ }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var lang = script.getAttribute("data-lang") || load(KEY.lang, null) ||
    ((navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  var transcript = load(KEY.transcript, []);
  var sessionId = load(KEY.session, null);
  var socket = null, pending = [], typingTimer = null;

  // ------------------------------------------------------------------------------------------ DOM
  var css = el("link");
  css.rel = "stylesheet";
  css.href = base + "widget.css";
  document.head.appendChild(css);

  // A landmark of its own (the page's content stays in the page's landmarks), a dialog named by its title,
  // a log that screen readers announce as messages arrive, and every message in its own language.
  var root = el("aside", "sc-root");
  var launcher = el("button", "sc-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-haspopup", "dialog");
  var panel = el("section", "sc-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "sc-title");
  var header = el("header", "sc-header");
  var title = el("h2", "sc-title");
  title.id = "sc-title";
  var status = el("span", "sc-status");
  status.setAttribute("role", "status");
  var toggle = el("button", "sc-toggle");
  toggle.type = "button";
  var reset = el("button", "sc-reset");
  reset.type = "button";
  var close = el("button", "sc-close", "×");
  close.type = "button";
  var log = el("div", "sc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.tabIndex = 0;                                // scrollable: reachable from the keyboard
  var typing = el("div", "sc-typing");
  var form = el("form", "sc-form");
  var input = el("textarea", "sc-input");
  input.rows = 1;
  input.maxLength = MAX_INPUT;
  var send = el("button", "sc-send");
  send.type = "submit";
  header.append(title, status, toggle, reset, close);
  form.append(input, send);
  panel.append(header, log, typing, form);
  root.append(panel, launcher);
  document.body.appendChild(root);

  function t(key) { return STRINGS[lang][key]; }
  function applyLanguage() {
    title.textContent = t("title");
    toggle.textContent = t("toggle");
    reset.textContent = t("reset");
    close.setAttribute("aria-label", t("close"));
    launcher.textContent = t("open");
    root.setAttribute("aria-label", t("title"));
    log.setAttribute("aria-label", t("title"));
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("placeholder"));
    toggle.setAttribute("aria-label", t("switch"));
    send.textContent = t("send");
    typing.textContent = t("typing");
    root.setAttribute("lang", LANG_TAG[lang]);
    setStatus(status.dataset.state || "connecting");
  }
  function setStatus(state) {
    status.dataset.state = state;
    status.textContent = t(state);
  }
  function setOpen(open, moveFocus) {
    root.classList.toggle("sc-open", open);
    launcher.setAttribute("aria-expanded", String(open));
    save(KEY.open, open);
    if (moveFocus) { (open ? input : launcher).focus(); }     // closing gives the focus back to the launcher
  }

  // ------------------------------------------------------------------------------------------ messages
  var LINK = /(https?:\/\/[^\s<>"'“”‘’（）()]+[^\s<>"'“”‘’（）().,;:!?。，；：！？])|(\+?\(?\d[\d\s()\-]{6,}\d)/g;

  function appendRich(parent, text) {
    var last = 0, m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text)) !== null) {
      var href = null;
      if (m[1]) {
        href = m[1];
      } else {
        var digits = m[2].replace(/\D/g, "");
        if (digits.length >= 9 && !/^\d{4}-\d{2}-\d{2}/.test(m[2])) { href = "tel:" + (m[2].trim()[0] === "+" ? "+" : "") + digits; }
      }
      if (!href) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", "sc-link", m[0]);
      a.href = href;
      if (m[1]) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  var LANG_TAG = { en: "en", zh: "zh-Hans" };
  function languageOf(msg) {
    if (msg.lang) { return msg.lang; }
    var text = String(msg.text || ""), cjk = (text.match(/[\u3400-\u9fff]/g) || []).length;
    var latin = (text.match(/[A-Za-z]{2,}/g) || []).length;
    return cjk / 2 >= latin && cjk > 0 ? "zh" : "en";
  }

  function render(msg) {
    var row = el("div", "sc-msg sc-" + msg.from);
    row.setAttribute("lang", LANG_TAG[languageOf(msg)] || "en");
    var bubble = el("div", "sc-bubble"), text = String(msg.text || "");
    var cut = msg.from === "bot" ? text.indexOf("\n") : -1;
    if (cut > 0) {                          // an answer's first line holds the asked fact: shown as its lead
      var lead = el("span", "sc-lead");
      appendRich(lead, text.slice(0, cut));
      bubble.appendChild(lead);
      appendRich(bubble, text.slice(cut));
    } else {
      appendRich(bubble, text);
    }
    row.appendChild(bubble);
    if (msg.buttons && msg.buttons.length) {
      var bar = el("div", "sc-buttons");
      msg.buttons.forEach(function (b) {
        var btn = el("button", "sc-button", String(b.title || b.payload || ""));
        btn.type = "button";
        btn.addEventListener("click", function () { sendMessage(String(b.payload || b.title), String(b.title || b.payload)); });
        bar.appendChild(btn);
      });
      row.appendChild(bar);
    }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function remember(msg) {
    transcript.push(msg);
    if (transcript.length > MAX_TRANSCRIPT) { transcript = transcript.slice(-MAX_TRANSCRIPT); }
    save(KEY.transcript, transcript);
  }

  function add(msg) { remember(msg); render(msg); }

  function showTyping(on) {
    clearTimeout(typingTimer);
    root.classList.toggle("sc-is-typing", on);
    if (on) { typingTimer = setTimeout(function () { showTyping(false); }, 20000); }
  }

  function sendMessage(text, shown) {
    text = String(text || "").trim();
    if (!text) { return; }
    add({ from: "user", text: shown || text });
    var payload = { message: text.slice(0, MAX_INPUT), session_id: sessionId,
                    customData: { language: lang, timezone: (Intl.DateTimeFormat().resolvedOptions().timeZone || "") } };
    if (socket && socket.connected && sessionId) { socket.emit("user_uttered", payload); } else { pending.push(payload); }
    showTyping(true);
  }

  // ------------------------------------------------------------------------------------------ events
  launcher.addEventListener("click", function () { setOpen(true, true); });
  close.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); setOpen(false, true); }
  });
  toggle.addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    save(KEY.lang, lang);
    applyLanguage();
  });
  reset.addEventListener("click", function () {
    transcript = [];
    save(KEY.transcript, transcript);
    while (log.firstChild) { log.removeChild(log.firstChild); }
    sendMessage("/restart", t("reset"));
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    sendMessage(input.value);
    input.value = "";
  });
  input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter breaks the line, and nothing is sent while an IME is composing (拼音 input)
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // ------------------------------------------------------------------------------------------ connection
  function connect() {
    socket = window.io(origin, { path: "/socket.io", transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
    socket.on("connect", function () {
      setStatus("online");
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (id) {
      sessionId = String(id);
      save(KEY.session, sessionId);
      pending.splice(0).forEach(function (p) { p.session_id = sessionId; socket.emit("user_uttered", p); });
    });
    socket.on("bot_uttered", function (m) {
      showTyping(false);
      add({ from: "bot", text: m && m.text, buttons: (m && (m.quick_replies || m.buttons)) || [], lang: lang });
    });
    socket.on("error", function (e) {
      showTyping(false);
      add({ from: "notice", text: t("refused") + String((e && e.error) || e) });
    });
    socket.on("disconnect", function () { setStatus("offline"); });
    socket.io.on("reconnect_attempt", function () { setStatus("reconnecting"); });
    socket.on("connect_error", function () { setStatus("offline"); });
  }

  applyLanguage();
  transcript.forEach(render);
  if (!transcript.length) { render({ from: "bot", text: t("intro") }); }
  setOpen(script.getAttribute("data-open") === "true" || load(KEY.open, false), false);
  if (window.io) { connect(); } else {
    var io = el("script");
    io.src = base + "socket.io.min.js";
    io.onload = connect;
    document.head.appendChild(io);
  }
}());
