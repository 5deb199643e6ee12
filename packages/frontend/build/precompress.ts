// A build step of the web UI: a .br and a .gz beside each compressible file of the output, which the
// backend serves by Accept-Encoding (@fastify/static `preCompressed`). Done once here at the
// strongest settings, instead of on every answer at the cheap ones; node:zlib has both codecs.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|map)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** Writes `<file>.br` (quality 11) and `<file>.gz` (level 9) for each compressible file that shrinks. */
export function precompressFolder(dir: string): Array<{ file: string; raw: number; gzip: number; brotli: number }> {
  const sizes = [];
  for (const file of filesUnder(dir).filter((f) => COMPRESSIBLE.test(f))) {
    const raw = readFileSync(file);
    const brotli = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
    const gzip = gzipSync(raw, { level: 9 });
    // A tiny file can grow: then the plain one is served to everyone.
    if (brotli.length < raw.length) writeFileSync(`${file}.br`, brotli);
    if (gzip.length < raw.length) writeFileSync(`${file}.gz`, gzip);
    sizes.push({ file: path.relative(dir, file), raw: raw.length, gzip: gzip.length, brotli: brotli.length });
  }
  return sizes;
}

/** The Vite plugin: compresses the whole output folder, public/ files included, once it is written. */
export function precompress(): Plugin {
  let outDir = 'dist';
  // Vite calls closeBundle more than once per build; brotli at quality 11 is worth running once.
  let done = false;
  return {
    name: 'oko-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    buildStart() {
      done = false;
    },
    closeBundle() {
      if (done) return;
      done = true;
      const sizes = precompressFolder(outDir);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      const total = sizes.reduce((sum, s) => ({ raw: sum.raw + s.raw, gzip: sum.gzip + s.gzip, brotli: sum.brotli + s.brotli }), {
        raw: 0,
        gzip: 0,
        brotli: 0,
      });
      this.info?.(`precompressed ${sizes.length} files: ${kb(total.raw)} raw, ${kb(total.gzip)} gzip, ${kb(total.brotli)} brotli`);
    },
  };
}
