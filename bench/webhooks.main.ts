/**
 * Runs bench/webhooks.ts alone: `npx tsx bench/webhooks.main.ts` (BENCH_SCALE shortens,
 * BENCH_ENGINES=sqlite or postgres picks one engine). Prints the Markdown on stdout, progress on
 * stderr; exits 1 when a webhook went missing, arrived twice or failed its signature (a missed
 * 0.9x target is reported, not failed), or when the run passes its deadline.
 */
import { cpus, loadavg } from 'node:os';
import { benchEngines } from './harness';
import { runWebhookBench } from './webhooks';

const DEADLINE_MS = 600_000;
const engines = benchEngines();

const deadline = setTimeout(() => {
  process.stderr.write(`bench: webhooks: still running after ${DEADLINE_MS / 1000} s; giving up\n`);
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

const loadBefore = loadavg()[0]!;
runWebhookBench({ engines }).then(
  (result) => {
    clearTimeout(deadline);
    const cpu = cpus();
    process.stdout.write(
      [
        '',
        `- Date: ${new Date().toISOString()}; Node ${process.version} (${process.platform} ${process.arch}); CPU: ${cpu[0]?.model ?? 'unknown'} (${cpu.length} logical cores); ` +
          `load average (1 min) at start ${loadBefore.toFixed(2)}; command \`npx tsx bench/webhooks.main.ts\`${process.env.BENCH_SCALE ? ` with BENCH_SCALE=${process.env.BENCH_SCALE}` : ''}`,
        '',
        result.markdown,
        '',
      ].join('\n'),
    );
    process.exit(result.ok ? 0 : 1);
  },
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
