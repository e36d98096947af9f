// Times per-point KLoM on a workload the size of a real comparison (not a test: it only prints).
// Usage: node --import tsx bench/klom-speed.ts [models=200] [points=10000]
import os from 'node:os';
import { klom } from '../src/engine/eval/klom.js';
import { Rng } from '../src/engine/util/rng.js';

const models = Number(process.argv[2] ?? 200);
const points = Number(process.argv[3] ?? 10000);
const rng = new Rng(1);
const unlearned = new Float32Array(models * points);
const oracle = new Float32Array(models * points);
for (let i = 0; i < unlearned.length; i++) {
  unlearned[i] = rng.normal() * 4 + 2;
  oracle[i] = rng.normal() * 4 + 2.5;
}

klom(unlearned, oracle, points); // warm-up, so the timing is of optimised code
for (const binning of ['reference', 'closed'] as const) {
  const times: number[] = [];
  const cpu: number[] = [];
  let checksum = 0;
  for (let rep = 0; rep < 5; rep++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const v = klom(unlearned, oracle, points, { binning });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    checksum = v.reduce((a, b) => a + b, 0);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // Wall time suffers when other processes share the cores; CPU time much less so.
  console.log(
    `KLoM ${binning}: ${models} unlearned + ${models} oracle models × ${points} points: ` +
      `wall median ${times[2].toFixed(1)} ms (best ${times[0].toFixed(1)}), CPU median ${cpu[2].toFixed(1)} ms (sum ${checksum.toFixed(6)})`,
  );
}
console.log(`node ${process.version}, ${process.arch}, load average ${os.loadavg()[0].toFixed(2)}`);
