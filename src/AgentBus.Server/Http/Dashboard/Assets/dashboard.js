// The AgentBus broker dashboard: polls the JSON API beside this page and renders it. Every value from the broker
// goes into the page as text (textContent), never as markup.
"use strict";

(() => {
  const refreshMs = 1000;
  const historySize = 120;
  const samples = [];
  let previous = null;
  let selected = null; // { parent, name }

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat("en-US");
  const fmt = (n) => number.format(n);
  const rate = (n) => (n >= 100 ? fmt(Math.round(n)) : n.toFixed(1));

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function ago(iso) {
    const t = Date.parse(iso);
    if (!t || t <= 0) return "never";
    const s = Math.max(0, (Date.now() - t) / 1000);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }

  function duration(seconds) {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
  }

  function fill(table, rows, columns, empty, onClick) {
    const body = table.tBodies[0];
    const fresh = document.createElement("tbody");
    if (rows.length === 0) {
      const tr = el("tr");
      const td = el("td", empty, "empty");
      td.colSpan = table.tHead.rows[0].cells.length;
      tr.append(td);
      fresh.append(tr);
    }
    for (const row of rows) {
      const tr = el("tr");
      for (const column of columns) {
        const td = el("td");
        const value = column(row);
        if (value instanceof Node) td.append(value); else td.textContent = value;
        tr.append(td);
      }
      if (onClick) {
        tr.className = "link";
        tr.tabIndex = 0;
        tr.addEventListener("click", () => onClick(row));
        tr.addEventListener("keydown", (e) => { if (e.key === "Enter") onClick(row); });
      }
      fresh.append(tr);
    }
    table.replaceChild(fresh, body);
  }

  function liteName(topic) {
    const span = el("span");
    if (topic.kind) span.append(el("span", topic.kind, `kind ${topic.kind}`));
    span.append(el("span", topic.name, "mono"));
    return span;
  }

  function numeric(value) { return el("span", fmt(value), "num"); }

  function yesNo(flag) { return el("span", flag ? "yes" : "no", flag ? "yes" : "no"); }

  function open(topic) {
    selected = { parent: topic.parent, name: topic.name };
    location.hash = `lite/${encodeURIComponent(topic.parent)}/${encodeURIComponent(topic.name)}`;
    loadDetail();
  }

  function render(o) {
    const now = Date.parse(o.time);
    if (previous) {
      const seconds = Math.max(0.001, (now - previous.at) / 1000);
      const inRate = Math.max(0, (o.messagesIn - previous.in) / seconds);
      const outRate = Math.max(0, (o.messagesOut - previous.out) / seconds);
      $("rate-in").textContent = rate(inRate);
      $("rate-out").textContent = rate(outRate);
      samples.push({ in: inRate, out: outRate });
      if (samples.length > historySize) samples.shift();
      window.agentbusSamples = samples.length;
      drawChart();
    }
    previous = { at: now, in: o.messagesIn, out: o.messagesOut };

    $("total-in").textContent = `${fmt(o.messagesIn)} in total`;
    $("total-out").textContent = `${fmt(o.messagesOut)} out, ${fmt(o.messagesAcked)} acked`;
    $("backlog").textContent = fmt(o.backlog);
    $("backlog-topics").textContent = `on ${fmt(o.liteTopicsWithBacklog)} lite topics`;
    $("clients-count").textContent = fmt(o.clientCount);
    $("lite-clients").textContent = `${fmt(o.liteClients)} lite consumers`;
    $("lite-topics-count").textContent = fmt(o.liteTopics);
    $("subscriptions").textContent = `${fmt(o.liteSubscriptions)} subscriptions`;
    const pending = o.deadLetters.reduce((sum, g) => sum + g.pending, 0);
    $("dead-letters-count").textContent = fmt(pending);
    $("dead-letter-groups").textContent = `in ${o.deadLetters.length} groups`;
    $("uptime").textContent = `up ${duration((now - Date.parse(o.startTime)) / 1000)} · ${o.topics} topics · ${o.groups} groups`;

    $("agents-count").textContent = `(${fmt(o.agents.count)})`;
    fill($("agents"), o.agents.top, [
      (t) => el("span", t.id ?? t.name, "mono"),
      (t) => numeric(t.backlog),
      (t) => numeric(t.liveSubscribers),
      (t) => ago(t.lastWrite),
    ], "no agent inboxes", open);

    $("sessions-count").textContent = `(${fmt(o.sessions.count)})`;
    fill($("sessions"), o.sessions.top, [
      (t) => el("span", t.id ?? t.name, "mono"),
      (t) => numeric(t.backlog),
      (t) => el("span", t.subscribers.length > 0 ? t.subscribers.join(", ") : "none", "mono"),
      (t) => ago(t.lastWrite),
    ], "no sessions", open);

    fill($("top-lite-topics"), o.topLiteTopics, [
      liteName,
      (t) => el("span", t.parent, "mono"),
      (t) => numeric(t.backlog),
      (t) => `${fmt(t.minOffset)} – ${fmt(t.maxOffset)}`,
      (t) => numeric(t.liveSubscribers),
      (t) => ago(t.lastWrite),
    ], "no lite topics", open);

    fill($("clients"), o.clients, [
      (c) => el("span", c.clientId, "mono"),
      (c) => c.group,
      (c) => c.clientType,
      (c) => yesNo(c.live),
      (c) => numeric(c.liteSubscriptions),
      (c) => numeric(c.readySetSize),
      (c) => numeric(c.inflight),
      (c) => el("span", c.readyLiteTopics.join(", "), "mono"),
    ], "no clients");

    fill($("dead-letters"), o.deadLetters, [
      (g) => g.group,
      (g) => numeric(g.pending),
      (g) => {
        const list = el("div");
        for (const m of g.latest) {
          const origin = m.properties.DLQ_ORIGIN_LITE_TOPIC || m.properties.DLQ_ORIGIN_TOPIC || "";
          list.append(el("div", `${m.properties.DLQ_ORIGIN_MESSAGE_ID || m.messageId} from ${origin}`, "mono"));
        }
        return list;
      },
    ], "no dead letters");
  }

  function drawChart() {
    const canvas = $("chart");
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height, pad = 18;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1, ...samples.map((p) => Math.max(p.in, p.out))) * 1.25;
    ctx.strokeStyle = "#e3e6ec";
    ctx.fillStyle = "#6b7385";
    ctx.font = "12px system-ui, sans-serif";
    ctx.beginPath(); ctx.moveTo(0, pad); ctx.lineTo(w, pad); ctx.moveTo(0, h - 1); ctx.lineTo(w, h - 1); ctx.stroke();
    ctx.fillText(`${rate(max)} / s`, 4, 13);
    // Fills from the left until a minute is shown, then scrolls over the last two.
    const step = w / (Math.min(historySize, Math.max(60, samples.length)) - 1);
    for (const [key, color] of [["in", "#2f6fde"], ["out", "#1f9d63"]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      samples.forEach((p, i) => {
        const x = i * step;
        const y = h - 1 - (p[key] / max) * (h - pad - 2);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  }

  function renderDetail(d) {
    $("detail").hidden = false;
    const title = $("detail-title");
    title.replaceChildren();
    if (d.kind) title.append(el("span", d.kind, `kind ${d.kind}`));
    title.append(el("span", d.name, "mono"));
    if (d.id) title.append(el("span", ` · ${d.id}`, "muted"));

    const summary = $("detail-summary");
    summary.replaceChildren();
    const pairs = [
      ["Parent topic", d.parent],
      ["Offsets", `${fmt(d.minOffset)} – ${fmt(d.maxOffset)} (${fmt(d.maxOffset - d.minOffset)} stored)`],
      ["Last write", ago(d.lastWrite)],
      ["Expires", `in ${duration(d.ttlRemainingSeconds)} without writes (TTL ${duration(d.ttlSeconds)})`],
    ];
    for (const [k, v] of pairs) summary.append(el("div", k, "k"), el("div", v));

    fill($("detail-groups"), d.groups, [
      (g) => g.group,
      (g) => (g.committedOffset === null || g.committedOffset === undefined ? "–" : fmt(g.committedOffset)),
      (g) => numeric(g.backlog),
      (g) => numeric(g.inflight),
    ], "no group consumes it");
    fill($("detail-subscribers"), d.subscribers, [
      (s) => el("span", s.clientId, "mono"),
      (s) => s.group,
      (s) => yesNo(s.live),
    ], "no subscribers");

    const messages = $("detail-messages");
    messages.replaceChildren();
    if (d.messages.length === 0) messages.append(el("div", "no stored messages", "muted"));
    for (const m of d.messages) {
      const box = el("div", null, "message");
      const meta = el("div", null, "meta");
      meta.append(
        el("span", `offset ${fmt(m.offset)}`),
        el("span", `id ${m.messageId}`, "mono"),
        el("span", `stored ${ago(m.storeTime)}`),
        el("span", `${fmt(m.bodySize)} bytes`));
      if (m.tag) meta.append(el("span", `tag ${m.tag}`));
      if (m.keys.length > 0) meta.append(el("span", `keys ${m.keys.join(", ")}`));
      if (m.messageGroup) meta.append(el("span", `group ${m.messageGroup}`));
      if (m.reconsumeTimes > 0) meta.append(el("span", `${m.reconsumeTimes} redeliveries`));
      box.append(meta);
      const names = Object.keys(m.properties).sort();
      if (names.length > 0) {
        const table = el("table", null, "properties");
        const tbody = el("tbody");
        for (const name of names) {
          const tr = el("tr");
          tr.append(el("td", name, "mono"), el("td", m.properties[name], "mono"));
          tbody.append(tr);
        }
        table.append(tbody);
        box.append(table);
      }
      const body = el("pre", m.bodyText + (m.bodyTruncated ? "\n…" : ""), "body");
      if (m.bodyEncoding !== "utf-8") body.title = `body shown as ${m.bodyEncoding}`;
      box.append(body);
      messages.append(box);
    }
  }

  async function get(path) {
    const response = await fetch(path, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch { /* not JSON */ }
      throw new Error(message);
    }
    return response.json();
  }

  async function loadDetail() {
    if (!selected) return;
    try {
      renderDetail(await get(`api/lite-topic?parent=${encodeURIComponent(selected.parent)}&name=${encodeURIComponent(selected.name)}`));
    } catch (e) {
      $("detail").hidden = false;
      $("detail-title").textContent = `${selected.name}: ${e.message}`;
    }
  }

  async function refresh() {
    try {
      render(await get("api/overview"));
      $("status").textContent = "live";
      $("status").className = "status live";
      if (selected) await loadDetail();
    } catch (e) {
      $("status").textContent = `disconnected: ${e.message}`;
      $("status").className = "status down";
    } finally {
      setTimeout(refresh, refreshMs);
    }
  }

  function fromHash() {
    const match = /^#lite\/([^/]+)\/(.+)$/.exec(location.hash);
    selected = match ? { parent: decodeURIComponent(match[1]), name: decodeURIComponent(match[2]) } : null;
    if (!selected) $("detail").hidden = true;
  }

  $("detail-close").addEventListener("click", () => {
    selected = null;
    $("detail").hidden = true;
    window.history.replaceState(null, "", location.pathname);
  });
  window.addEventListener("hashchange", () => { fromHash(); loadDetail(); });
  fromHash();
  refresh();
})();
