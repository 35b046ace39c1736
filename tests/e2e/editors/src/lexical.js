// Test fixture: a real Lexical editor (rich text, links, lists, history) mounted in #editor-host.
import { registerHistory, createEmptyHistoryState } from '@lexical/history';
import { $generateNodesFromDOM } from '@lexical/html';
import { $isLinkNode, LinkNode } from '@lexical/link';
import { ListItemNode, ListNode } from '@lexical/list';
import { HeadingNode, QuoteNode, registerRichText } from '@lexical/rich-text';
import { $getRoot, $isElementNode, createEditor } from 'lexical';
import { marksFromRuns, textAsHtml } from './common.js';

let editor = null;
let cleanups = [];

function fill(html) {
  const root = $getRoot();
  root.clear();
  const dom = new DOMParser().parseFromString(html, 'text/html');
  root.append(...$generateNodesFromDOM(editor, dom).filter($isElementNode));
}

function mount(html) {
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
    nodes: [HeadingNode, QuoteNode, LinkNode, ListNode, ListItemNode],
    onError: (err) => { throw err; },
  });
  editor.setRootElement(root);
  cleanups = [registerRichText(editor), registerHistory(editor, createEmptyHistoryState(), 300)];
  // Tagged "historic" so the starting text is not an undo step of its own.
  editor.update(() => fill(html), { tag: 'historic', discrete: true });
}

function marks() {
  return editor.getEditorState().read(() => {
    const runs = [];
    $getRoot().getChildren().forEach((block, index) => {
      for (const node of block.getAllTextNodes ? block.getAllTextNodes() : []) {
        const parent = node.getParent();
        runs.push({ text: node.getTextContent(), bold: node.hasFormat('bold'), href: $isLinkNode(parent) ? parent.getURL() : null, block: index });
      }
    });
    return marksFromRuns(runs);
  });
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'lexical',
  getText: () => editor.getEditorState().read(() => $getRoot().getTextContent()),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(document.querySelector('.lexical-root').innerHTML),
  paragraphs: () => editor.getEditorState().read(() => $getRoot().getChildrenSize()),
  marks,
};
