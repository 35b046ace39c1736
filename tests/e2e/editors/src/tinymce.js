// Test fixture: a real TinyMCE 8 editor (iframe body, no skin files), mounted on a textarea.
import tinymce from 'tinymce';
import 'tinymce/icons/default';
import 'tinymce/models/dom';
import 'tinymce/themes/silver';
import 'tinymce/plugins/link';
import 'tinymce/plugins/lists';
// The skins as modules: the bundle needs no files served next to it.
import 'tinymce/skins/ui/oxide/skin.js';
import 'tinymce/skins/ui/oxide/content.js';
import 'tinymce/skins/content/default/content.js';
import { marksFromDom, textAsHtml } from './common.js';

let editor = null;

async function mount(html) {
  if (editor) editor.remove();
  const host = document.getElementById('editor-host');
  host.replaceChildren();
  const area = document.createElement('textarea');
  host.append(area);
  window.editorApi.ready = false;
  [editor] = await tinymce.init({
    target: area,
    license_key: 'gpl',
    skin_url: 'default',
    content_css: 'default',
    menubar: false,
    statusbar: false,
    plugins: 'link lists',
    toolbar: 'bold italic link bullist numlist undo redo',
    height: 420,
  });
  editor.setContent(html);
  editor.undoManager.clear();
  window.editorApi.ready = true;
}

function blocks() {
  return [...editor.getBody().children].filter((el) => el.textContent.trim());
}

window.editorApi = {
  name: 'tinymce',
  ready: false,
  getText: () => blocks().map((el) => el.innerText.replace(/\n$/, '')).join('\n\n'),
  setText: (text) => mount(textAsHtml(text)),
  setHtml: (html) => mount(html),
  rerender: () => mount(editor.getContent()),
  paragraphs: () => blocks().length,
  marks: () => marksFromDom(editor.getBody()),
};

mount(textAsHtml(document.getElementById('editor-host').dataset.initial || ''));
