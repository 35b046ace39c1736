// Test fixture: a plain contenteditable with <p> paragraphs (no editor library): its DOM is
// its model.
import { marksFromDom, textAsHtml } from './common.js';

let box = null;
// Gmail-like: every line a <div>, a blank line an empty <div>.
const divLines = Boolean(window.FIXTURE_OPTIONS?.divLines);

function asDivLines(html) {
  const tmp = document.createElement('div');
  tmp.innerHTML = html;
  return [...tmp.children].map((p) => p.innerHTML.split('<br>').map((line) => `<div>${line}</div>`).join(''))
    .join('<div><br></div>');
}

// Gmail-like text: lines; a blank <div> is a paragraph break.
function divText() {
  const lines = [...box.children].map((el) => el.textContent);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

function mount(html) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  box = document.createElement('div');
  box.contentEditable = 'true';
  box.setAttribute('aria-label', 'Reply');
  box.className = 'plain-editor';
  box.innerHTML = divLines ? asDivLines(html) : html;
  host.append(box);
}

function blocks() {
  if (divLines) return divText().split('\n\n');
  return [...box.children].filter((el) => el.textContent.trim());
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: divLines ? 'gmail_like' : 'plain',
  getText: () => (divLines ? divText() : blocks().map((el) => el.innerText.replace(/\n$/, '')).join('\n\n')),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(box.innerHTML),
  paragraphs: () => blocks().length,
  marks: () => marksFromDom(box),
};
