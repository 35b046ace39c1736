// Test fixture: a real Lexical editor (rich text + history) mounted in #editor-host.
import { registerHistory, createEmptyHistoryState } from '@lexical/history';
import { registerRichText } from '@lexical/rich-text';
import {
  $createLineBreakNode, $createParagraphNode, $createTextNode, $getRoot, createEditor,
} from 'lexical';
import { HeadingNode, QuoteNode } from '@lexical/rich-text';

let editor = null;
let cleanups = [];

function fill(text) {
  const root = $getRoot();
  root.clear();
  for (const para of text.split(/\n{2,}/)) {
    const p = $createParagraphNode();
    para.split('\n').forEach((line, i) => {
      if (i) p.append($createLineBreakNode());
      if (line) p.append($createTextNode(line));
    });
    root.append(p);
  }
}

function mount(text) {
  cleanups.forEach((fn) => fn());
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const root = document.createElement('div');
  root.contentEditable = 'true';
  root.className = 'lexical-root';
  root.setAttribute('role', 'textbox');
  root.setAttribute('aria-label', 'Reply');
  host.append(root);
  editor = createEditor({
    namespace: 'fixture',
    nodes: [HeadingNode, QuoteNode],
    onError: (err) => { throw err; },
  });
  editor.setRootElement(root);
  cleanups = [registerRichText(editor), registerHistory(editor, createEmptyHistoryState(), 300)];
  // Tagged "historic" so the starting text is not an undo step of its own.
  editor.update(() => fill(text), { tag: 'historic', discrete: true });
}

mount(document.getElementById('editor-host').dataset.initial || '');

window.editorApi = {
  name: 'lexical',
  getText: () => editor.getEditorState().read(() => $getRoot().getTextContent()),
  setText: (text) => mount(text),
  rerender: () => mount(window.editorApi.getText()),
};
