// Derives the embedded Fashion-MNIST subset (media/data/fashion-mnist-subset/) from the
// original gzipped IDX files: the FIRST 10,000 training and FIRST 2,000 test images/labels,
// in the same IDX format, gzipped at level 9. Node's gzip writes no timestamp or file name,
// so the same inputs and zlib give the same bytes.
// Usage: node scripts/make-embedded-data.mjs [source-dir] [out-dir]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? '/work/shared/datasets/fashion-mnist';
const out = process.argv[3] ?? join(root, 'media', 'data', 'fashion-mnist-subset');
const TRAIN = 10000;
const TEST = 2000;

// An IDX file: 0x00 0x00 <type> <rank>, rank big-endian uint32 sizes, then the data.
function subset(file, count) {
  const buf = gunzipSync(readFileSync(join(source, file)));
  const rank = buf[3];
  const sizes = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new Error(`${file}: not a ubyte IDX file`);
  if (sizes[0] < count) throw new Error(`${file}: only ${sizes[0]} items`);
  const itemBytes = sizes.slice(1).reduce((a, b) => a * b, 1);
  const headerBytes = 4 + 4 * rank;
  const header = Buffer.from(buf.subarray(0, headerBytes));
  header.writeUInt32BE(count, 4);
  const body = buf.subarray(headerBytes, headerBytes + count * itemBytes);
  return gzipSync(Buffer.concat([header, body]), { level: 9 });
}

mkdirSync(out, { recursive: true });
const sums = [];
for (const [name, count] of [
  ['train-images-idx3-ubyte.gz', TRAIN],
  ['train-labels-idx1-ubyte.gz', TRAIN],
  ['t10k-images-idx3-ubyte.gz', TEST],
  ['t10k-labels-idx1-ubyte.gz', TEST],
]) {
  const gz = subset(name, count);
  writeFileSync(join(out, name), gz);
  sums.push(`${createHash('sha256').update(gz).digest('hex')}  ${name}`);
}
// Written rather than copied, so a read-only source does not leave a read-only copy.
writeFileSync(join(out, 'LICENSE'), readFileSync(join(source, 'LICENSE')));
writeFileSync(join(out, 'SHA256SUMS'), sums.join('\n') + '\n');
process.stdout.write(`wrote ${out}\n${sums.join('\n')}\n`);
