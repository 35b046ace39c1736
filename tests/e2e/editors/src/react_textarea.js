// Test fixture: a React 18 controlled textarea (the value lives in React state).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { mountReact } from './common.js';

const h = React.createElement;
let model = '';

function Reply({ initial }) {
  const [value, setValue] = React.useState(initial);
  model = value;
  return h('textarea', {
    'aria-label': 'Reply', rows: 8, value, onChange: (e) => { model = e.target.value; setValue(e.target.value); },
  });
}

function mount(text) {
  model = text;
  mountReact(createRoot, h(Reply, { initial: text }));
}

mount(document.getElementById('editor-host').dataset.initial || '');

window.editorApi = {
  name: 'react_textarea',
  getText: () => model,
  setText: (text) => mount(text),
  rerender: () => mount(model),
  paragraphs: () => model.split(/\n{2,}/).filter(Boolean).length,
  marks: () => [],
};
