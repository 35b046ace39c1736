// Test fixture: a real Slate 0.146 editor in React 18 with history, links and bold, and an
// insertData plugin that reads pasted HTML (as Slate's own paste-html example does).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { Editor, Node, Text, createEditor } from 'slate';
import { withHistory } from 'slate-history';
import { Editable, Slate, withReact } from 'slate-react';
import { marksFromRuns, mountReact, textAsHtml } from './common.js';

const h = React.createElement;

function deserialize(el, marks = {}) {
  if (el.nodeType === 3) return [{ text: el.textContent.replace(/\s+/g, ' '), ...marks }];
  if (el.nodeType !== 1) return [];
  if (el.nodeName === 'BR') return [{ text: '\n', ...marks }];
  const tag = el.nodeName;
  const inner = { ...marks };
  if (tag === 'STRONG' || tag === 'B') inner.bold = true;
  if (tag === 'EM' || tag === 'I') inner.italic = true;
  let children = [...el.childNodes].flatMap((c) => deserialize(c, inner));
  if (!children.length) children = [{ text: '' }];
  if (tag === 'BODY') return children;
  if (tag === 'A') return [{ type: 'link', url: el.getAttribute('href'), children }];
  if (/^(P|DIV|LI|H[1-6]|BLOCKQUOTE)$/.test(tag)) return [{ type: 'paragraph', children }];
  if (tag === 'UL' || tag === 'OL') return children;
  return children;
}

function fromHtml(html) {
  const body = new DOMParser().parseFromString(html, 'text/html').body;
  const nodes = deserialize(body);
  const blocks = nodes.filter((n) => n.type === 'paragraph');
  return blocks.length ? blocks : [{ type: 'paragraph', children: [{ text: '' }] }];
}

function withFixturePlugins(editor) {
  const { insertData, isInline } = editor;
  editor.isInline = (el) => el.type === 'link' || isInline(el);
  editor.insertData = (data) => {
    const html = data.getData('text/html');
    if (html) {
      editor.insertFragment(fromHtml(html));
      return;
    }
    insertData(data);
  };
  return editor;
}

let editor = null;

function renderElement({ attributes, children, element }) {
  if (element.type === 'link') return h('a', { ...attributes, href: element.url }, children);
  return h('p', attributes, children);
}

function renderLeaf({ attributes, children, leaf }) {
  let out = children;
  if (leaf.bold) out = h('strong', null, out);
  if (leaf.italic) out = h('em', null, out);
  return h('span', attributes, out);
}

function App({ value }) {
  return h(Slate, { editor, initialValue: value },
    h(Editable, { renderElement, renderLeaf, 'aria-label': 'Reply' }));
}

function mount(html) {
  editor = withFixturePlugins(withHistory(withReact(createEditor())));
  mountReact(createRoot, h(App, { value: fromHtml(html) }));
}

function marks() {
  const runs = [];
  editor.children.forEach((block, index) => {
    const walk = (node, href) => {
      if (Text.isText(node)) runs.push({ text: node.text, bold: Boolean(node.bold), href, block: index });
      else node.children.forEach((c) => walk(c, node.type === 'link' ? node.url : href));
    };
    walk(block, null);
  });
  return marksFromRuns(runs);
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'slate',
  getText: () => editor.children.map((n) => Node.string(n)).join('\n\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(document.querySelector('[data-slate-editor]').innerHTML),
  paragraphs: () => editor.children.length,
  marks,
  hasEditor: () => Boolean(Editor),
};
