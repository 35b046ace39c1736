// Bundles the real editor libraries into browser scripts under build/ for the e2e fixtures.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const EDITORS = [
  'prosemirror', 'tiptap', 'lexical', 'ckeditor', 'quill', 'draftjs', 'slate', 'tinymce',
  'plain', 'textarea', 'react_textarea',
];

await build({
  entryPoints: EDITORS.map((name) => join(here, 'src', `${name}.js`)),
  outdir: join(here, 'build'),
  bundle: true,
  format: 'iife',
  target: 'chrome120',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  loader: { '.svg': 'text' },
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
});
