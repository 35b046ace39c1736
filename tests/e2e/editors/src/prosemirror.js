// Test fixture: a real ProseMirror editor (basic schema, history, keymaps) mounted in #editor-host.
import { baseKeymap } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { keymap } from 'prosemirror-keymap';
import { DOMParser } from 'prosemirror-model';
import { schema } from 'prosemirror-schema-basic';
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';
import { proseMirrorMarks, textAsHtml } from './common.js';

let view = null;

function mount(html) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const box = document.createElement('div');
  box.innerHTML = html;
  view = new EditorView(host, {
    state: EditorState.create({
      doc: DOMParser.fromSchema(schema).parse(box),
      plugins: [history(), keymap({ 'Mod-z': undo, 'Mod-y': redo, 'Shift-Mod-z': redo }), keymap(baseKeymap)],
    }),
  });
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'prosemirror',
  getText: () => view.state.doc.textBetween(0, view.state.doc.content.size, '\n\n', '\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(view.dom.innerHTML),
  paragraphs: () => view.state.doc.childCount,
  marks: () => proseMirrorMarks(view.state.doc, 'strong'),
};
