// Test fixture: a real CKEditor 5 classic editor mounted in #editor-host. The Zendesk fixture
// sets window.FIXTURE_OPTIONS.testId to tag the editable like Zendesk's composer.
import {
  ClassicEditor, Essentials, Paragraph, Bold, Italic, Link, List,
} from 'ckeditor5';
import 'ckeditor5/ckeditor5.css';
import { marksFromRuns, textAsHtml } from './common.js';

let editor = null;

function modelText() {
  const root = editor.model.document.getRoot();
  const blocks = [];
  for (const block of root.getChildren()) {
    let text = '';
    for (const item of editor.model.createRangeIn(block).getItems()) {
      if (item.is('$textProxy')) text += item.data;
      else if (item.is('element', 'softBreak')) text += '\n';
    }
    blocks.push(text);
  }
  return blocks.join('\n\n');
}

async function mount(html) {
  if (editor) await editor.destroy();
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const target = document.createElement('div');
  host.append(target);
  editor = await ClassicEditor.create(target, {
    licenseKey: 'GPL',
    plugins: [Essentials, Paragraph, Bold, Italic, Link, List],
    toolbar: ['bold', 'italic', 'link', 'bulletedList', 'numberedList', 'undo', 'redo'],
    initialData: html,
  });
  const testId = window.FIXTURE_OPTIONS?.testId;
  if (testId) {
    const view = editor.editing.view;
    view.change((writer) => writer.setAttribute('data-test-id', testId, view.document.getRoot()));
  }
  window.editorApi.ready = true;
}

function marks() {
  const runs = [];
  let index = 0;
  for (const block of editor.model.document.getRoot().getChildren()) {
    for (const item of editor.model.createRangeIn(block).getItems()) {
      if (item.is('$textProxy')) {
        runs.push({ text: item.data, bold: Boolean(item.getAttribute('bold')), href: item.getAttribute('linkHref') || null, block: index });
      }
    }
    index += 1;
  }
  return marksFromRuns(runs);
}

window.editorApi = {
  name: 'ckeditor5',
  ready: false,
  getText: () => modelText(),
  setText: (text) => { window.editorApi.ready = false; return mount(textAsHtml(text)); },
  setHtml: (html) => { window.editorApi.ready = false; return mount(html); },
  rerender: () => { const html = editor.getData(); window.editorApi.ready = false; return mount(html); },
  paragraphs: () => editor.model.document.getRoot().childCount,
  marks,
  undoable: () => editor.commands.get('undo').isEnabled,
};

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));
