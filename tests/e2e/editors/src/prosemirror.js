// Test fixture: a real ProseMirror editor (basic schema, history, keymaps) mounted in #editor-host.
import { baseKeymap } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { keymap } from 'prosemirror-keymap';
import { schema } from 'prosemirror-schema-basic';
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';

function docFromText(text) {
  const paragraphs = text.split(/\n{2,}/).map((para) => {
    const inline = [];
    para.split('\n').forEach((line, i) => {
      if (i) inline.push(schema.nodes.hard_break.create());
      if (line) inline.push(schema.text(line));
    });
    return schema.nodes.paragraph.create(null, inline);
  });
  return schema.nodes.doc.create(null, paragraphs);
}

let view = null;

function mount(text) {
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  view = new EditorView(host, {
    state: EditorState.create({
      doc: docFromText(text),
      plugins: [history(), keymap({ 'Mod-z': undo, 'Mod-y': redo, 'Shift-Mod-z': redo }), keymap(baseKeymap)],
    }),
  });
}

mount(document.getElementById('editor-host').dataset.initial || '');

window.editorApi = {
  name: 'prosemirror',
  getText: () => view.state.doc.textBetween(0, view.state.doc.content.size, '\n\n', '\n'),
  setText: (text) => mount(text),
  rerender: () => mount(window.editorApi.getText()),
};
