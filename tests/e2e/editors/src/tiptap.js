// Test fixture: a real TipTap 3 editor (StarterKit: paragraphs, bold, links, lists, history).
import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { proseMirrorMarks, textAsHtml } from './common.js';

let editor = null;

function mount(html) {
  if (editor) editor.destroy();
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  editor = new Editor({
    element: host,
    extensions: [StarterKit.configure({ link: { openOnClick: false } })],
    content: html,
  });
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'tiptap',
  getText: () => editor.state.doc.textBetween(0, editor.state.doc.content.size, '\n\n', '\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(editor.getHTML()),
  paragraphs: () => editor.state.doc.childCount,
  marks: () => proseMirrorMarks(editor.state.doc, 'bold'),
};
