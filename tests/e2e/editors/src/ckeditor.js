// Test fixture: a real CKEditor 5 classic editor mounted in #editor-host. The Zendesk fixture
// sets window.FIXTURE_OPTIONS.testId to tag the editable like Zendesk's composer.
import {
  ClassicEditor, Essentials, Paragraph, Bold, Italic, Link, List,
} from 'ckeditor5';
import 'ckeditor5/ckeditor5.css';

let editor = null;

function escapeText(text) {
  const box = document.createElement('div');
  box.textContent = text;
  return box.innerHTML;
}

function textAsHtml(text) {
  return text.split(/\n{2,}/)
    .map((para) => `<p>${para.split('\n').map(escapeText).join('<br>')}</p>`)
    .join('');
}

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

async function mount(text) {
  if (editor) await editor.destroy();
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const target = document.createElement('div');
  host.append(target);
  editor = await ClassicEditor.create(target, {
    licenseKey: 'GPL',
    plugins: [Essentials, Paragraph, Bold, Italic, Link, List],
    toolbar: ['bold', 'italic', 'link', 'bulletedList', 'numberedList', 'undo', 'redo'],
    initialData: textAsHtml(text),
  });
  const testId = window.FIXTURE_OPTIONS?.testId;
  if (testId) {
    const view = editor.editing.view;
    view.change((writer) => writer.setAttribute('data-test-id', testId, view.document.getRoot()));
  }
  window.editorApi.ready = true;
}

window.editorApi = {
  name: 'ckeditor5',
  ready: false,
  getText: () => modelText(),
  setText: (text) => { window.editorApi.ready = false; return mount(text); },
  rerender: () => { const text = modelText(); window.editorApi.ready = false; return mount(text); },
  undoable: () => editor.commands.get('undo').isEnabled,
};

mount(document.getElementById('editor-host').dataset.initial || '');
