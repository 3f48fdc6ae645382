import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const codec = (entry: string): string => `@cornerstonejs/dicom-image-loader > @cornerstonejs/${entry}`;
const server = process.env.READFIRST_DEV_SERVER ?? 'http://127.0.0.1:8080';

/**
 * The radiologist app. Cornerstone3D needs three settings (see ../shared/STACK-NOTES.md):
 * ES-module workers, the image loader kept out of pre-bundling (its codecs pre-bundled instead),
 * and xmlbuilder2 aliased to its browser build.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: [
      codec('codec-libjpeg-turbo-8bit/decodewasmjs'),
      codec('codec-charls/decodewasmjs'),
      codec('codec-openjpeg/decodewasmjs'),
      codec('codec-openjph/wasmjs'),
      'dicom-parser',
      'pako',
      'uuid',
    ],
  },
  resolve: { alias: { xmlbuilder2: 'xmlbuilder2/lib/xmlbuilder2.min.js' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 6000, reportCompressedSize: false },
  server: { proxy: { '/api': server, '/dicom-web': server } },
});
