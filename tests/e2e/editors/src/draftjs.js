// Test fixture: a real Draft.js 0.11 editor in React 18, with a decorator that renders links.
import {
  CompositeDecorator, ContentState, Editor, EditorState, RichUtils, convertFromHTML,
} from 'draft-js';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { marksFromRuns, mountReact, textAsHtml } from './common.js';

const h = React.createElement;

function findLinks(block, callback, content) {
  block.findEntityRanges((ch) => {
    const key = ch.getEntity();
    return key !== null && content.getEntity(key).getType() === 'LINK';
  }, callback);
}

function Link({ contentState, entityKey, children }) {
  return h('a', { href: contentState.getEntity(entityKey).getData().url }, children);
}

const decorator = new CompositeDecorator([{ strategy: findLinks, component: Link }]);
let state = null;

function stateFromHtml(html) {
  const { contentBlocks, entityMap } = convertFromHTML(html);
  return EditorState.createWithContent(ContentState.createFromBlockArray(contentBlocks, entityMap), decorator);
}

function App({ initial }) {
  const [editorState, setEditorState] = React.useState(initial);
  state = editorState;
  const onChange = (next) => { state = next; setEditorState(next); };
  return h(Editor, {
    editorState,
    onChange,
    ariaLabel: 'Reply',
    handleKeyCommand: (command, current) => {
      const next = RichUtils.handleKeyCommand(current, command);
      if (next) { onChange(next); return 'handled'; }
      return 'not-handled';
    },
  });
}

function mount(html) {
  const initial = stateFromHtml(html);
  state = initial;
  mountReact(createRoot, h(App, { initial }));
}

function marks() {
  const content = state.getCurrentContent();
  const runs = [];
  content.getBlocksAsArray().forEach((block, index) => {
    const text = block.getText();
    block.getCharacterList().forEach((ch, i) => {
      const key = ch.getEntity();
      const href = key ? content.getEntity(key).getData().url : null;
      runs.push({ text: text[i], bold: ch.hasStyle('BOLD'), href, block: index });
    });
  });
  return marksFromRuns(runs);
}

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));

window.editorApi = {
  name: 'draftjs',
  getText: () => state.getCurrentContent().getBlocksAsArray().map((b) => b.getText()).join('\n\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(document.querySelector('[contenteditable]').innerHTML),
  paragraphs: () => state.getCurrentContent().getBlocksAsArray().length,
  marks,
};
