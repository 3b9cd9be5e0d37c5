// What both pages share: the status line and making elements. Loaded before each page's script.
"use strict";

function say(message) {
  document.getElementById("status").textContent = message;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}
