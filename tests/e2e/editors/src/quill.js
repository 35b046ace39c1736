// Test fixture: a real Quill 2 editor (snow theme off: just the editor, its history and clipboard).
import Quill from 'quill';
import { marksFromRuns, textAsHtml } from './common.js';

let quill = null;

function mount(html) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const target = document.createElement('div');
  host.append(target);
  quill = new Quill(target, { formats: ['bold', 'italic', 'underline', 'link', 'list', 'code'] });
  quill.setContents(quill.clipboard.convert({ html }), 'silent');
  quill.history.clear();
}

function lines() {
  return quill.getLines().map((line) => line.domNode.textContent);
}

function marks() {
  const runs = [];
  let block = 0;
  for (const op of quill.getContents().ops) {
    if (typeof op.insert !== 'string') continue;
    const parts = op.insert.split('\n');
    parts.forEach((part, i) => {
      if (i) block += 1;
      if (part) runs.push({ text: part, bold: Boolean(op.attributes?.bold), href: op.attributes?.link || null, block });
    });
  }
  return marksFromRuns(runs);
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'quill',
  // Quill has no blank-line paragraphs: each line is a block. Empty lines are kept as spacers.
  getText: () => lines().filter((line, i, all) => line || (i && all[i - 1])).join('\n\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(quill.getSemanticHTML()),
  paragraphs: () => lines().filter(Boolean).length,
  marks,
};
