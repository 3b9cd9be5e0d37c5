// One upload's executions on both engines, side by side, refreshed while either runs.
// The server reads the engines' histories (/histories); this page only draws them.
"use strict";

const REFRESH_MILLISECONDS = 1000;
const params = new URLSearchParams(location.search);
const executionIds = params.getAll("execution");

function plural(count, word, words) {
  return `${count} ${count === 1 ? word : (words ?? `${word}s`)}`;
}

function summary(timeline) {
  const billed = timeline.workflow === "step-functions"
    ? plural(timeline.state_transitions ?? 0, "state transition")
    : `${plural(timeline.durable_operations ?? 0, "operation")} · ${plural(timeline.invocations ?? 0, "invocation")} (${plural(timeline.replays ?? 0, "replay")})`;
  return `${billed} · ${plural(timeline.retries, "retry", "retries")} · ${plural(timeline.waits, "wait")} open · ${plural(timeline.history_events, "history event")}`;
}

function entryRow(entry, elapsed) {
  const row = element("tr");
  row.dataset.kind = entry.kind;
  row.dataset.status = entry.status;
  const name = element("td", entry.name, "entry-name");
  name.style.paddingLeft = `${0.6 + entry.depth * 1.2}em`;
  const attempts = entry.kind === "Invocation" || entry.attempts <= 1
    ? ""
    : `${plural(entry.attempts, "attempt")} (${plural(entry.retries, "retry", "retries")})`;
  const bar = element("span", null, `bar bar-${entry.status.replace(" ", "-")}`);
  const scale = elapsed > 0 ? 100 / elapsed : 0;
  const end = entry.end ?? elapsed;
  bar.style.left = `${Math.min(100, entry.start * scale)}%`;
  bar.style.width = `${Math.max(0.4, (end - entry.start) * scale)}%`;
  const track = element("td", null, "bar-column");
  track.append(element("span", null, "track"));
  track.firstChild.append(bar);
  row.append(
    element("td", entry.start.toFixed(3), "number"),
    element("td", entry.end === null ? "" : (entry.end - entry.start).toFixed(3), "number"),
    element("td", entry.kind),
    name,
    element("td", entry.status, `state state-${entry.status.replace(" ", "-")}`),
    element("td", [attempts, entry.detail].filter(Boolean).join(" · ")),
    track,
  );
  return row;
}

function renderEngine(engine) {
  const section = document.querySelector(`section.engine[data-workflow-type="${engine.workflow}"]`);
  const status = section.querySelector(".engine-status");
  const record = engine.record_status ?? "no record yet";
  status.replaceChildren(element("span", record, `state record-status state-${record}`));
  const timeline = engine.timeline;
  const rows = section.querySelector(".timeline tbody");
  if (!timeline) {
    status.append(" · the engine's run is not recorded yet");
    section.querySelector(".engine-summary").textContent = "";
    section.querySelector(".engine-arn").textContent = engine.execution_id;
    rows.replaceChildren();
    return;
  }
  status.append(
    " · engine ",
    element("span", timeline.status, `engine-state engine-${timeline.status}`),
    ` · ${timeline.elapsed_seconds.toFixed(3)} s`,
  );
  section.querySelector(".engine-summary").textContent = summary(timeline);
  section.querySelector(".engine-arn").textContent = timeline.engine_arn;
  rows.replaceChildren(...timeline.entries.map((entry) => entryRow(entry, timeline.elapsed_seconds)));
}

async function refresh() {
  const query = new URLSearchParams(executionIds.map((id) => ["execution", id]));
  let answer;
  try {
    answer = await fetch(`/histories?${query}`, { credentials: "same-origin" });
  } catch (error) {
    say(`Could not reach the page server: ${error}`);
    return setTimeout(refresh, REFRESH_MILLISECONDS);
  }
  const document_ = await answer.json().catch(() => null);
  if (!answer.ok) {
    say(`Could not read the histories: ${document_?.message ?? answer.status}`);
    return setTimeout(refresh, REFRESH_MILLISECONDS);
  }
  for (const engine of document_.engines) renderEngine(engine);
  const readAt = new Date(document_.read_at).toLocaleTimeString();
  if (document_.ended) {
    say(`Both executions have ended (read ${readAt}).`);
    return;
  }
  say(`Running: refreshing every ${REFRESH_MILLISECONDS / 1000} s (read ${readAt}).`);
  setTimeout(refresh, REFRESH_MILLISECONDS);
}

function start() {
  const photo = params.get("photo");
  if (photo) document.getElementById("history-title").textContent = `Execution histories of ${photo}`;
  if (!executionIds.length) {
    say("No execution given: open this page from the Executions view.");
    return;
  }
  refresh();
}

start();
