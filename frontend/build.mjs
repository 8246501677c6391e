// Builds the upload page's bundle into the Python package (npm run build).
// The output is committed, so that installing the add-on never needs Node.
import * as esbuild from 'esbuild'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
const outdir = path.resolve(here, '../src/collective/tusupload/browser/static')

await esbuild.build({
  entryPoints: [
    { in: path.join(here, 'src/upload.js'), out: 'upload-files.min' },
    { in: path.join(here, 'src/upload.css'), out: 'upload-files.min' },
    { in: path.join(here, 'src/contents.js'), out: 'contents-upload.min' },
  ],
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'info',
})
