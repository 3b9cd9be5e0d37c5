// The validation page: pending tasks, the registry and the executions view.
// Plain browser JavaScript; every call goes to this server's /api, which
// forwards to the stack's validation API.
"use strict";

const POLL_MILLISECONDS = 2000;
const WORKFLOW_NAMES = { "step-functions": "Step Functions", "durable-functions": "durable functions" };
const FIELDS = ["artist", "albumName", "year"];

const views = {
  tasks: { tab: "tab-tasks", panel: "view-tasks", refresh: refreshTasks },
  registry: { tab: "tab-registry", panel: "view-registry", refresh: refreshRegistry },
  executions: { tab: "tab-executions", panel: "view-executions", refresh: refreshExecutions },
};
let activeView = "tasks";
let registryRows = [];
const renderedTasks = new Map(); // taskId -> form element

async function api(path, options = {}) {
  const response = await fetch(`/api${path}`, {
    credentials: "same-origin",
    headers: options.body ? { "Content-Type": "application/json" } : {},
    ...options,
  });
  let document = null;
  try {
    document = await response.json();
  } catch {
    document = null;
  }
  return { status: response.status, ok: response.ok, body: document };
}

// ---- tabs -------------------------------------------------------------------

function showView(name) {
  activeView = name;
  for (const [key, view] of Object.entries(views)) {
    const selected = key === name;
    document.getElementById(view.tab).setAttribute("aria-selected", String(selected));
    document.getElementById(view.panel).hidden = !selected;
  }
  views[name].refresh();
}

function setUpTabs() {
  const names = Object.keys(views);
  for (const [name, view] of Object.entries(views)) {
    const tab = document.getElementById(view.tab);
    tab.addEventListener("click", () => showView(name));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = names[(names.indexOf(name) + step + names.length) % names.length];
      document.getElementById(views[next].tab).focus();
      showView(next);
    });
  }
}

// ---- pending tasks ----------------------------------------------------------

function coverStyle(node, imageUrl, box) {
  // coverBox is (left, top, width, height) as fractions of the photo: scale the
  // photo so the box fills the tile, and shift it so the box is in view.
  node.style.backgroundImage = `url("/api${imageUrl}")`;
  if (!box) {
    node.style.backgroundSize = "cover";
    return;
  }
  const [left, top, width, height] = box;
  const position = (offset, size) => (size >= 1 ? 0 : (offset / (1 - size)) * 100);
  node.style.backgroundSize = `${100 / width}% ${100 / height}%`;
  node.style.backgroundPosition = `${position(left, width)}% ${position(top, height)}%`;
}

function renderTask(task) {
  const form = document.getElementById("task-template").content.firstElementChild.cloneNode(true);
  form.dataset.taskId = task.taskId;
  form.querySelector(".task-title").textContent = `${WORKFLOW_NAMES[task.workflowType]} · ${task.imageS3Key}`;
  form.querySelector(".task-meta").textContent =
    `Task ${task.taskId} · opened ${task.createdAt} · expires ${task.expiresAt}`;
  const list = form.querySelector(".albums");
  const maxYear = new Date().getFullYear() + 1;
  for (const album of task.albums) {
    const item = document.getElementById("album-template").content.firstElementChild.cloneNode(true);
    item.dataset.albumIndex = album.albumIndex;
    const low = album.confidence < task.lowConfidenceBelow;
    item.classList.toggle("low", low);
    const cover = item.querySelector(".cover");
    cover.setAttribute("aria-label", `Cover ${album.albumIndex}`);
    coverStyle(cover, task.imageUrl, album.coverBox);
    const unreadable = album.unreadable ?? [];
    for (const field of FIELDS) {
      const input = item.querySelector(`input[name="${field}"]`);
      const value = album[field] ?? "";
      input.value = value;
      input.dataset.original = String(value);
      // Vision could not read it: say so, rather than show an empty field as if it were read.
      if (unreadable.includes(field)) {
        input.classList.add("unreadable");
        input.placeholder = "unreadable";
      }
      input.setAttribute("aria-label", `Album ${album.albumIndex} ${field === "albumName" ? "album name" : field}`);
      if (field === "year") input.max = String(maxYear);
      input.addEventListener("input", () => {
        input.classList.toggle("changed", input.value !== input.dataset.original);
        input.classList.remove("invalid");
      });
    }
    item.querySelector(".confidence").textContent =
      `confidence ${album.confidence.toFixed(2)}${low ? " · low, please check" : ""}`;
    const names = { artist: "artist", albumName: "album name", year: "year" };
    item.querySelector(".unreadable-note").textContent =
      unreadable.length ? `unreadable: ${unreadable.map((field) => names[field]).join(", ")}` : "";
    list.append(item);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitTask(form);
  });
  return form;
}

function corrections(form) {
  const found = [];
  for (const item of form.querySelectorAll(".album")) {
    const correction = { albumIndex: Number(item.dataset.albumIndex) };
    for (const field of FIELDS) {
      const input = item.querySelector(`input[name="${field}"]`);
      const value = input.value.trim();
      if (value === input.dataset.original.trim()) continue;
      if (field === "year") {
        if (value === "") continue; // a cleared year keeps what was read
        correction.year = Number(value);
      } else {
        correction[field] = value;
      }
    }
    if (Object.keys(correction).length > 1) found.push(correction);
  }
  return found;
}

function markInvalid(form, sent, fields) {
  for (const { field } of fields) {
    const match = /^corrections\[(\d+)\]\.(\w+)$/.exec(field);
    if (!match) continue;
    const correction = sent[Number(match[1])];
    const input = correction &&
      form.querySelector(`.album[data-album-index="${correction.albumIndex}"] input[name="${match[2]}"]`);
    if (input) {
      input.classList.add("invalid");
      input.focus();
    }
  }
}

async function submitTask(form) {
  const button = form.querySelector(".submit");
  const message = form.querySelector(".task-message");
  const sent = corrections(form);
  const body = sent.length ? { corrections: sent } : { accept: true };
  button.disabled = true;
  message.textContent = "";
  try {
    const answer = await api(`/tasks/${encodeURIComponent(form.dataset.taskId)}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    if (answer.ok) {
      say(`Task ${form.dataset.taskId} submitted${sent.length ? ` with ${sent.length} correction(s)` : " as read"}.`);
      removeTask(form);
    } else if (answer.status === 409) {
      say(`Task ${form.dataset.taskId} was already closed: ${answer.body?.message ?? ""}`);
      removeTask(form);
    } else if (answer.status === 422) {
      message.textContent = answer.body?.message ?? "Invalid input.";
      markInvalid(form, sent, answer.body?.fields ?? []);
    } else {
      message.textContent = answer.body?.message ?? `The API answered ${answer.status}.`;
    }
  } catch (error) {
    message.textContent = `Could not reach the API: ${error}`;
  } finally {
    button.disabled = false;
  }
}

function removeTask(form) {
  const next = form.nextElementSibling;
  renderedTasks.delete(form.dataset.taskId);
  form.remove();
  updateTaskCount();
  const focusTarget = next?.querySelector("input") ?? document.getElementById("tab-tasks");
  focusTarget.focus();
}

function updateTaskCount() {
  const count = renderedTasks.size;
  document.getElementById("pending-count").textContent = count ? String(count) : "";
  document.getElementById("no-tasks").hidden = count > 0;
}

async function listPendingTasks() {
  const tasks = [];
  let token = null;
  do {
    const query = new URLSearchParams({ status: "pending", limit: "100" });
    if (token) query.set("nextToken", token);
    const answer = await api(`/tasks?${query}`);
    if (!answer.ok) throw new Error(answer.body?.message ?? `status ${answer.status}`);
    tasks.push(...answer.body.tasks);
    token = answer.body.nextToken;
  } while (token);
  return tasks;
}

async function refreshTasks() {
  // Adds new tasks and drops closed ones; cards being edited stay untouched.
  let pending;
  try {
    pending = await listPendingTasks();
  } catch (error) {
    say(`Could not list tasks: ${error.message}`);
    return;
  }
  const container = document.getElementById("tasks");
  const pendingIds = new Set(pending.map((task) => task.taskId));
  for (const [taskId, form] of renderedTasks) {
    if (!pendingIds.has(taskId)) {
      form.remove();
      renderedTasks.delete(taskId);
    }
  }
  for (const summary of pending) {
    if (renderedTasks.has(summary.taskId)) continue;
    const answer = await api(`/tasks/${encodeURIComponent(summary.taskId)}`);
    if (!answer.ok || renderedTasks.has(summary.taskId)) continue;
    const form = renderTask(answer.body);
    renderedTasks.set(summary.taskId, form);
    container.append(form);
  }
  updateTaskCount();
}

// ---- registry ---------------------------------------------------------------

const CSV_COLUMNS = [
  "workflowType", "executionId", "albumIndex", "artist", "albumName", "year", "yearOriginal",
  "priceEstimate", "priceConfidence", "priceSource", "confidence",
];

async function refreshRegistry() {
  const workflow = document.getElementById("registry-workflow").value;
  const query = workflow ? `?${new URLSearchParams({ workflowType: workflow })}` : "";
  const answer = await api(`/albums${query}`);
  if (!answer.ok) {
    say(`Could not load the registry: ${answer.body?.message ?? answer.status}`);
    return;
  }
  registryRows = answer.body.albums;
  const body = document.querySelector("#registry tbody");
  const rows = registryRows.map((album) => {
    const row = element("tr");
    row.dataset.executionId = album.executionId;
    row.dataset.albumIndex = album.albumIndex;
    const year = element("td", album.year ?? "", "year");
    if (album.yearOriginal !== album.year) {
      year.append(" ", element("span", `(read ${album.yearOriginal ?? "none"})`, "corrected"));
    }
    row.append(
      element("td", WORKFLOW_NAMES[album.workflowType]),
      element("td", album.albumIndex, "number"),
      element("td", album.artist),
      element("td", album.albumName),
      year,
      element("td", album.priceEstimate?.toFixed(2) ?? "", "number"),
      element("td", album.priceConfidence?.toFixed(2) ?? "", "number"),
      element("td", album.priceSource ?? ""),
      element("td", album.confidence.toFixed(2), "number"),
    );
    return row;
  });
  body.replaceChildren(...rows);
}

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  // Quote everything that could break a row, and defuse spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function exportCsv() {
  const lines = [CSV_COLUMNS.join(",")];
  for (const album of registryRows) lines.push(CSV_COLUMNS.map((column) => csvCell(album[column])).join(","));
  const blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" });
  const link = element("a");
  link.href = URL.createObjectURL(blob);
  link.download = "albums-registry.csv";
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

// ---- executions -------------------------------------------------------------

function executionCell(execution) {
  const cell = element("td");
  if (!execution) return cell;
  cell.dataset.workflowType = execution.workflowType;
  cell.append(element("span", execution.status, `state state-${execution.status}`));
  const details = [];
  if (execution.durationMs !== null) details.push(`${(execution.durationMs / 1000).toFixed(1)} s`);
  if (execution.pricedCount !== null) details.push(`${execution.pricedCount}/${execution.albumCount} priced`);
  if (execution.error) details.push(execution.error);
  if (details.length) cell.append(" ", element("span", `· ${details.join(" · ")}`));
  // A failed run's stable code: what an operator searches the logs and alarms for.
  if (execution.errorCode) cell.append(" ", element("code", execution.errorCode, "error-code"));
  return cell;
}

function photoCell(key, byWorkflow) {
  // Both engines' histories of this upload, side by side, on their own page.
  const cell = element("td", key);
  const query = new URLSearchParams({ photo: key });
  for (const execution of Object.values(byWorkflow)) query.append("execution", execution.executionId);
  const link = element("a", "History", "history-link");
  link.href = `history.html?${query}`;
  cell.append(link);
  return cell;
}

async function refreshExecutions() {
  const answer = await api("/executions");
  if (!answer.ok) {
    say(`Could not load executions: ${answer.body?.message ?? answer.status}`);
    return;
  }
  const photos = new Map(); // bucket/key -> {workflowType: execution}
  for (const execution of answer.body.executions) {
    const key = `${execution.bucket}/${execution.imageS3Key}`;
    if (!photos.has(key)) photos.set(key, {});
    photos.get(key)[execution.workflowType] ??= execution;
  }
  const rows = [...photos].map(([key, byWorkflow]) => {
    const row = element("tr");
    row.dataset.photo = key;
    row.append(
      photoCell(key, byWorkflow),
      executionCell(byWorkflow["step-functions"]),
      executionCell(byWorkflow["durable-functions"]),
    );
    return row;
  });
  document.querySelector("#executions tbody").replaceChildren(...rows);
}

// ---- start ------------------------------------------------------------------

function start() {
  setUpTabs();
  document.getElementById("registry-workflow").addEventListener("change", refreshRegistry);
  document.getElementById("export-csv").addEventListener("click", exportCsv);
  showView("tasks");
  setInterval(() => {
    if (!document.hidden) views[activeView].refresh();
  }, POLL_MILLISECONDS);
}

start();
