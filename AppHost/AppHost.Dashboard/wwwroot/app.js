"use strict";

// The dashboard's pages: each renders into #page and may return a refresh function that is polled.
const page = document.getElementById("page");
const pollMilliseconds = 1500;
let refreshTimer = null;

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

async function api(path, options) {
  const response = await fetch("/api/" + path, options);
  if (response.status === 401) {
    window.location.href = "/login";
    throw new Error("signed out");
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((body && body.message) || response.statusText);
  return body;
}

function formatTime(value) {
  if (!value) return "";
  const date = typeof value === "number" ? new Date(value / 1e6) : new Date(value);
  return date.toLocaleTimeString([], { hour12: false }) + "." + String(date.getMilliseconds()).padStart(3, "0");
}

function formatMs(ms) {
  return ms >= 1000 ? (ms / 1000).toFixed(2) + " s" : ms.toFixed(1) + " ms";
}

function resourceSelect(id, resources, selected, includeAll) {
  const select = h("select", { id });
  if (includeAll) select.append(h("option", { value: "" }, "All resources"));
  for (const name of resources) select.append(h("option", { value: name, selected: name === selected }, name));
  return select;
}

// Resources: live state, endpoints, environment (masked by the server), actions.
async function resourcesPage() {
  const body = h("tbody");
  page.replaceChildren(h("h1", {}, "Resources"), h("div", { className: "scroll" },
    h("table", { id: "resources" },
      h("thead", {}, h("tr", {}, ["Name", "Kind", "State", "Since", "Started", "Restarts", "Endpoints", "Details", "Actions"].map(title => h("th", { scope: "col" }, title)))),
      body)));
  return async () => {
    const resources = await api("resources");
    body.replaceChildren(...resources.map(resource => h("tr", { "data-resource": resource.name },
      h("td", {}, resource.name),
      h("td", {}, resource.kind),
      h("td", { className: "state-" + resource.state, "data-state": resource.state }, resource.state, resource.error ? h("div", { className: "error" }, resource.error) : null),
      h("td", {}, formatTime(resource.stateChangedAt)),
      h("td", {}, formatTime(resource.startedAt)),
      h("td", {}, resource.restarts, resource.exitCode !== null ? ` (exit ${resource.exitCode})` : ""),
      h("td", {}, Object.entries(resource.endpoints).map(([name, url]) => h("div", {}, h("a", { href: url, target: "_blank", rel: "noopener" }, `${name}: ${url}`)))),
      h("td", {},
        resource.function ? h("div", { className: "muted" }, `${resource.function.environments} env · ${resource.function.invocations} invocations · ${resource.function.coldStarts} cold · ${resource.function.throttles} throttled · ${resource.function.errors} errors`) : null,
        Object.keys(resource.environment).length ? h("details", {}, h("summary", {}, "Environment"),
          h("pre", {}, Object.entries(resource.environment).map(([name, value]) => `${name}=${value}`).join("\n"))) : null),
      h("td", {},
        h("a", { href: "#/console/" + encodeURIComponent(resource.name) }, "Console"), " ",
        resource.kind === "Function" ? h("button", { className: "quiet", onclick: () => restart(resource.name) }, "Restart") : null,
        resource.kind === "Schedule" ? h("button", { className: "quiet", onclick: () => trigger(resource.name) }, "Trigger now") : null))));
  };
}

async function trigger(name) {
  const result = await api(`resources/${encodeURIComponent(name)}/trigger`, { method: "POST" });
  window.alert(result.message);
}

async function restart(name) {
  const result = await api(`resources/${encodeURIComponent(name)}/restart`, { method: "POST" });
  window.alert(result.message);
}

// Console: a live tail of one resource, with search.
async function consolePage(name) {
  const resources = (await api("resources")).map(resource => resource.name);
  const selected = name || resources[0];
  const select = resourceSelect("console-resource", resources, selected, false);
  select.addEventListener("change", () => { window.location.hash = "#/console/" + encodeURIComponent(select.value); });
  const search = h("input", { id: "console-search", type: "search", placeholder: "Filter lines" });
  const output = h("pre", { className: "console", id: "console-output", tabindex: "0" });
  page.replaceChildren(h("h1", {}, "Console logs"),
    h("div", { className: "toolbar" }, h("label", {}, "Resource", select), h("label", {}, "Search", search)), output);
  let lines = [];
  let next = 0;
  const render = () => {
    const filter = search.value.toLowerCase();
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
    output.textContent = lines.filter(line => !filter || line.toLowerCase().includes(filter)).join("\n");
    if (atBottom) output.scrollTop = output.scrollHeight;
  };
  search.addEventListener("input", render);
  return async () => {
    const view = await api(`resources/${encodeURIComponent(selected)}/console?after=${next}`);
    lines = view.reset ? view.lines : lines.concat(view.lines);
    next = view.next;
    render();
  };
}

// Structured logs from OTLP, filtered by resource, level, text and trace id.
async function logsPage(traceId) {
  const resources = (await api("resources")).map(resource => resource.name);
  const resource = resourceSelect("logs-resource", resources, "", true);
  const level = h("select", { id: "logs-level" }, ["", "Trace", "Debug", "Information", "Warning", "Error", "Critical"].map(value => h("option", { value }, value || "Any level")));
  const text = h("input", { id: "logs-text", type: "search", placeholder: "Text in message or attributes" });
  const trace = h("input", { id: "logs-trace", type: "search", placeholder: "Trace id", value: traceId || "" });
  const body = h("tbody");
  page.replaceChildren(h("h1", {}, "Structured logs"),
    h("div", { className: "toolbar" }, h("label", {}, "Resource", resource), h("label", {}, "Level", level), h("label", {}, "Text", text), h("label", {}, "Trace", trace)),
    h("div", { className: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Time", "Resource", "Level", "Message", "Trace"].map(title => h("th", { scope: "col" }, title)))), body)));
  return async () => {
    const query = new URLSearchParams();
    if (resource.value) query.set("resource", resource.value);
    if (level.value) query.set("level", level.value);
    if (text.value) query.set("text", text.value);
    if (trace.value) query.set("traceId", trace.value.trim());
    const logs = await api("logs?" + query);
    body.replaceChildren(...logs.map(log => h("tr", {},
      h("td", {}, formatTime(log.timeUnixNano)),
      h("td", {}, log.service),
      h("td", { className: log.severityNumber >= 17 ? "error" : "" }, log.level),
      h("td", {}, h("details", {}, h("summary", {}, log.body || "(no message)"),
        h("pre", {}, Object.entries(log.attributes).map(([name, value]) => `${name} = ${value}`).join("\n") || "no attributes"))),
      h("td", {}, log.traceId ? h("a", { href: "#/traces/" + log.traceId }, log.traceId.slice(0, 8)) : ""))));
  };
}

// Traces: the list, or one trace as a waterfall across services with its links.
async function tracesPage(traceId) {
  if (traceId) return traceDetail(traceId);
  const resources = (await api("resources")).map(resource => resource.name);
  const resource = resourceSelect("traces-resource", resources, "", true);
  const body = h("tbody");
  page.replaceChildren(h("h1", {}, "Traces"), h("div", { className: "toolbar" }, h("label", {}, "Resource", resource)),
    h("div", { className: "scroll" }, h("table", { id: "traces" }, h("thead", {}, h("tr", {}, ["Start", "Name", "Services", "Duration", "Spans", "Errors"].map(title => h("th", { scope: "col" }, title)))), body)));
  return async () => {
    const traces = await api("traces" + (resource.value ? "?resource=" + encodeURIComponent(resource.value) : ""));
    body.replaceChildren(...traces.map(trace => h("tr", { "data-trace": trace.traceId },
      h("td", {}, formatTime(trace.startTimeUnixNano)),
      h("td", {}, h("a", { href: "#/traces/" + trace.traceId }, `${trace.rootService}: ${trace.name}`)),
      h("td", {}, trace.services.join(", ")),
      h("td", {}, formatMs(trace.durationMs)),
      h("td", {}, trace.spanCount),
      h("td", { className: trace.errorCount ? "error" : "" }, trace.errorCount))));
  };
}

async function traceDetail(traceId) {
  const container = h("div", { className: "waterfall", id: "waterfall" });
  const details = h("pre", { id: "span-details" }, "Select a span to see its attributes.");
  const links = h("p", { id: "trace-links" });
  page.replaceChildren(h("h1", {}, "Trace ", h("code", {}, traceId)),
    h("p", {}, h("a", { href: "#/traces" }, "All traces"), " · ", h("a", { href: "#/logs/" + traceId }, "Logs of this trace")), links, container, details);
  return async () => {
    const trace = await api("traces/" + encodeURIComponent(traceId));
    const start = Math.min(...trace.spans.map(span => span.startTimeUnixNano));
    const end = Math.max(...trace.spans.map(span => span.endTimeUnixNano));
    const total = Math.max(end - start, 1);
    const children = new Map();
    const ids = new Set(trace.spans.map(span => span.spanId));
    for (const span of trace.spans) {
      const parent = ids.has(span.parentSpanId) ? span.parentSpanId : "";
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(span);
    }
    const rows = [];
    const visit = (parent, depth) => {
      for (const span of children.get(parent) || []) {
        rows.push(h("div", { className: "row", "data-service": span.service },
          h("button", { className: "span-name", style: `padding-left:${depth}rem`, title: span.name, onclick: () => { details.textContent = JSON.stringify(span, null, 2); } },
            span.name, " ", h("span", { className: "service" }, span.service), " ", h("span", { className: "service" }, formatMs(span.durationMs))),
          h("div", { className: "bar-track" }, h("div", { className: "bar" + (span.isError ? " error" : ""),
            style: `left:${((span.startTimeUnixNano - start) / total) * 100}%;width:${((span.endTimeUnixNano - span.startTimeUnixNano) / total) * 100}%` }))));
        visit(span.spanId, depth + 1);
      }
    };
    visit("", 0);
    container.replaceChildren(...rows);
    links.replaceChildren(...(trace.linkedTraceIds.length
      ? ["Linked traces: ", ...trace.linkedTraceIds.map(id => h("a", { href: "#/traces/" + id, style: "margin-right:.5rem" }, id.slice(0, 12)))]
      : ["No linked traces."]));
  };
}

// Metrics: instruments per resource and a line chart of the selected one.
async function metricsPage() {
  const resources = (await api("resources")).map(resource => resource.name);
  const resource = resourceSelect("metrics-resource", resources, "", true);
  const instrument = h("select", { id: "metrics-instrument" });
  const chart = h("div", { id: "metrics-chart" }, h("p", { className: "muted" }, "No metric points yet."));
  page.replaceChildren(h("h1", {}, "Metrics"),
    h("div", { className: "toolbar" }, h("label", {}, "Resource", resource), h("label", {}, "Instrument", instrument)), chart);
  return async () => {
    const instruments = await api("metrics" + (resource.value ? "?resource=" + encodeURIComponent(resource.value) : ""));
    const current = instrument.value;
    instrument.replaceChildren(...instruments.map(item => h("option", { value: `${item.service}|${item.name}`, selected: `${item.service}|${item.name}` === current },
      `${item.service} · ${item.name}${item.unit ? " (" + item.unit + ")" : ""} · ${item.type}`)));
    if (!instrument.value) return;
    const [service, name] = instrument.value.split("|");
    const series = await api(`metrics/series?resource=${encodeURIComponent(service)}&name=${encodeURIComponent(name)}`);
    chart.replaceChildren(lineChart(series));
  };
}

function lineChart(series) {
  const width = 800, height = 240, pad = 40;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  if (series.length === 0) return svg;
  const times = series.map(point => point.timeUnixNano), values = series.map(point => point.value);
  const minT = Math.min(...times), maxT = Math.max(...times), minV = Math.min(0, ...values), maxV = Math.max(...values, minV + 1);
  const x = t => pad + (maxT === minT ? 0 : (t - minT) / (maxT - minT)) * (width - 2 * pad);
  const y = v => height - pad - ((v - minV) / (maxV - minV)) * (height - 2 * pad);
  const line = document.createElementNS(svg.namespaceURI, "polyline");
  line.setAttribute("points", series.map(point => `${x(point.timeUnixNano)},${y(point.value)}`).join(" "));
  svg.append(line);
  for (const [label, px, py] of [[maxV.toPrecision(4), 2, pad], [minV.toPrecision(4), 2, height - pad], [formatTime(minT), pad, height - 10], [formatTime(maxT), width - pad - 70, height - 10]]) {
    const text = document.createElementNS(svg.namespaceURI, "text");
    text.setAttribute("x", px);
    text.setAttribute("y", py);
    text.textContent = label;
    svg.append(text);
  }
  svg.setAttribute("aria-label", `${series.length} points, latest ${values[values.length - 1]}`);
  return svg;
}

// Invoke: the Lambda test bench.
async function invokePage() {
  const [functions, samples] = await Promise.all([api("functions"), api("sample-events")]);
  const functionSelect = h("select", { id: "invoke-function" }, functions.map(item => h("option", { value: item.name }, item.name)));
  const eventSelect = h("select", { id: "invoke-sample" });
  const editor = h("textarea", { id: "invoke-event", spellcheck: "false", "aria-label": "Event JSON" });
  const saveName = h("input", { id: "invoke-save-name", placeholder: "Name to save as" });
  const status = h("output", { id: "invoke-status" });
  const response = h("pre", { id: "invoke-response" });
  const logTail = h("pre", { id: "invoke-log" });
  const traceLink = h("p", { id: "invoke-trace" });
  const history = h("tbody");
  const loadEvents = async () => {
    const saved = await api(`functions/${encodeURIComponent(functionSelect.value)}/saved`);
    eventSelect.replaceChildren(
      h("optgroup", { label: "Samples" }, samples.map(sample => h("option", { value: "sample:" + sample.id }, sample.title))),
      h("optgroup", { label: "Saved" }, saved.map(name => h("option", { value: "saved:" + name }, name))));
    await loadEvent();
  };
  const loadEvent = async () => {
    const [kind, id] = [eventSelect.value.slice(0, eventSelect.value.indexOf(":")), eventSelect.value.slice(eventSelect.value.indexOf(":") + 1)];
    if (kind === "sample") editor.value = JSON.stringify(samples.find(sample => sample.id === id).event, null, 2);
    else if (kind === "saved") editor.value = JSON.stringify(await api(`functions/${encodeURIComponent(functionSelect.value)}/saved/${encodeURIComponent(id)}`), null, 2);
  };
  const invoke = async () => {
    status.textContent = "Invoking…";
    status.className = "";
    try {
      JSON.parse(editor.value);
    } catch (failure) {
      status.textContent = "The event is not JSON: " + failure.message;
      status.className = "error";
      return;
    }
    try {
      const result = await api(`functions/${encodeURIComponent(functionSelect.value)}/invoke`, { method: "POST", headers: { "Content-Type": "application/json" }, body: editor.value });
      let statusCode = "";
      try { statusCode = JSON.parse(result.payload).statusCode; } catch { statusCode = ""; }
      status.textContent = `${result.status}${statusCode ? " · statusCode " + statusCode : ""} · ${formatMs(result.durationMs)}${result.coldStart ? " · cold start" : ""} · request ${result.requestId}`;
      status.className = "status-" + result.status;
      response.textContent = prettyJson(result.payload);
      logTail.textContent = result.logTail;
      traceLink.replaceChildren(h("a", { href: "#/traces/" + result.traceId }, "Open the trace of this invocation"));
      await refreshHistory();
    } catch (failure) {
      status.textContent = failure.message;
      status.className = "error";
    }
  };
  const save = async () => {
    if (!saveName.value) { status.textContent = "Give the saved request a name."; return; }
    try {
      await api(`functions/${encodeURIComponent(functionSelect.value)}/saved/${encodeURIComponent(saveName.value)}`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: editor.value });
      status.textContent = `Saved as ${saveName.value}.`;
      await loadEvents();
    } catch (failure) {
      status.textContent = failure.message;
      status.className = "error";
    }
  };
  const refreshHistory = async () => {
    const items = await api("functions/invocations");
    history.replaceChildren(...items.map(item => h("tr", {},
      h("td", {}, formatTime(item.invokedAt)), h("td", {}, item.function),
      h("td", { className: "status-" + item.status }, item.status), h("td", {}, formatMs(item.durationMs)),
      h("td", {}, h("a", { href: "#/traces/" + item.traceId }, "trace")))));
  };
  functionSelect.addEventListener("change", loadEvents);
  eventSelect.addEventListener("change", loadEvent);
  editor.addEventListener("keydown", event => { if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) invoke(); });
  page.replaceChildren(h("h1", {}, "Invoke a function"),
    h("div", { className: "toolbar" }, h("label", {}, "Function", functionSelect), h("label", {}, "Event", eventSelect),
      h("button", { id: "invoke-run", onclick: invoke, title: "Ctrl+Enter in the editor" }, "Invoke"),
      h("label", {}, "Save as", saveName), h("button", { className: "quiet", onclick: save, style: "color:inherit" }, "Save")),
    h("div", { className: "grid" },
      h("section", {}, h("h2", {}, "Event"), editor),
      h("section", {}, h("h2", {}, "Response"), status, response, traceLink, h("h2", {}, "Log"), logTail)),
    h("h2", {}, "Recent invocations"),
    h("div", { className: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Time", "Function", "Status", "Duration", ""].map(title => h("th", { scope: "col" }, title)))), history)));
  await loadEvents();
  await refreshHistory();
  return null;
}

function prettyJson(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

// Dev token: a JWT of the local issuer with chosen scopes.
async function devTokenPage() {
  const scopes = h("input", { id: "token-scopes", value: "matches:write", placeholder: "space- or comma-separated scopes" });
  const output = h("textarea", { id: "token-value", readonly: true, rows: "6", "aria-label": "Token" });
  const status = h("output", {});
  const mint = async () => {
    try {
      const token = await api("dev-token?scope=" + encodeURIComponent(scopes.value));
      output.value = token.accessToken;
      status.textContent = `Expires in ${Math.round(token.expiresIn / 3600)} h.`;
    } catch (failure) {
      status.textContent = failure.message;
    }
  };
  const copy = async () => {
    await navigator.clipboard.writeText(output.value);
    status.textContent = "Copied.";
  };
  page.replaceChildren(h("h1", {}, "Development token"),
    h("div", { className: "toolbar" }, h("label", {}, "Scopes", scopes), h("button", { onclick: mint }, "Mint"), h("button", { className: "quiet", onclick: copy, style: "color:inherit" }, "Copy")),
    output, status, h("p", { className: "muted" }, "Send it as Authorization: Bearer <token> to the API Gateway emulator."));
  await mint();
  return null;
}

const pages = { resources: resourcesPage, console: consolePage, logs: logsPage, traces: tracesPage, metrics: metricsPage, invoke: invokePage, "dev-token": devTokenPage };

async function route() {
  clearTimeout(refreshTimer);
  const [, name = "resources", argument] = window.location.hash.split("/").map(decodeURIComponent);
  const render = pages[name] || resourcesPage;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const current = window.location.hash;
  try {
    const refresh = await render(argument);
    if (!refresh) return;
    const loop = async () => {
      if (window.location.hash !== current) return;
      try { await refresh(); } catch (failure) { console.error(failure); }
      refreshTimer = setTimeout(loop, pollMilliseconds);
    };
    await loop();
  } catch (failure) {
    page.replaceChildren(h("p", { className: "error" }, failure.message));
  }
}

window.addEventListener("hashchange", route);
route();
