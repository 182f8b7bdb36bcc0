/**
 * A CPU profile of the gateway serving verifyPayment of COMPLETED payments (no status change) on
 * SQLite, 8 clients: `npx tsx bench/profile-verify.ts` (PROFILE_MS, default 5000, sets how long;
 * PROFILE_OPERATION=payment profiles payment(pidx) reads of those payments instead).
 *
 * The same setup as bench/run.ts's ratio rounds (KHALTI_ENV=sandbox against the fake Khalti in a
 * worker thread, clients in another), with V8's sampling profiler (what `node --cpu-prof` uses)
 * started through node:inspector on the main thread only, i.e. the gateway's thread, after a
 * warm-up. Writes the .cpuprofile to the OS temp folder (open it in Chrome DevTools) and prints
 * the self time grouped by package and the top frames, as Markdown. Writes nothing in the repository.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { silentLog } from '../src/logger';
import { CLIENT_KEY, LoadGenerator, SERVER_KEY, checkAll, dataOf, gql, sandboxEnv, startFakeKhalti } from './harness';
import { INITIATE, PAYMENT, VERIFY, orderInput } from './operations';

const PROFILE_MS = Number(process.env.PROFILE_MS ?? 5000);
/** PROFILE_OPERATION=payment profiles payment(pidx) reads of the same (COMPLETED) payments instead. */
const READS = process.env.PROFILE_OPERATION === 'payment';
const SAMPLING_INTERVAL_US = 200;
const PAYMENTS = 300;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** better-sqlite3's native methods: the time SQLite itself takes (statements, fsync at COMMIT). */
const SQLITE_NATIVE = new Set(['exec', 'all', 'get', 'run', 'iterate', 'raw', 'Statement', 'pragma', 'prepare', 'set busy']);

/** Which package a JavaScript frame belongs to: the last node_modules/<name> in its URL, the gateway's own folders, or Node. */
function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node: (Node.js core)';
  const src = url.indexOf('/src/');
  if (src >= 0) return `gateway src/${url.slice(src + 5).split('/')[0]!.replace(/\.ts$/, '')}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}

const where = (node: ProfileNode) => {
  const { url, lineNumber } = node.callFrame;
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  const short = modules >= 0 ? url.slice(modules + '/node_modules/'.length) : url.includes('/src/') ? url.slice(url.indexOf('/src/') + 1) : url.replace(/^file:\/\//, '');
  return `${short}:${lineNumber + 1}`;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'khalti-graphql-profile-'));
  const fake = await startFakeKhalti();
  const load = new LoadGenerator();
  const app = await createApp(loadConfig(sandboxEnv(`file:${join(dir, 'profile.sqlite')}`, fake.origin)), { log: silentLog, startReconciler: false });
  const session = new Session();
  try {
    const initiated = await load.run(
      app.url,
      Array.from({ length: PAYMENTS }, (_, i) => gql(INITIATE, { input: orderInput(`profile-${process.pid}-${i}`) }, SERVER_KEY)),
      8,
    );
    const pidxs: string[] = [];
    checkAll('initiate', initiated, (status, body) => pidxs.push(dataOf(status, body).initiatePayment.payment.pidx));
    const verifyAll = pidxs.map((pidx) => gql(VERIFY, { pidx }, CLIENT_KEY));
    const verified = (status: number, body: string) => {
      if (dataOf(status, body).verifyPayment?.status !== 'COMPLETED') throw new Error(body.slice(0, 200));
    };
    checkAll('first verify', await load.run(app.url, verifyAll, 8), verified);
    const verifies = READS ? pidxs.map((pidx) => gql(PAYMENT, { pidx }, CLIENT_KEY)) : verifyAll;
    const check = READS
      ? (status: number, body: string) => {
          if (dataOf(status, body).payment?.status !== 'COMPLETED') throw new Error(body.slice(0, 200));
        }
      : verified;
    checkAll('warm-up', await load.run(app.url, verifies, 8, { durationMs: 2000, cycle: true }), check);

    session.connect();
    const post = <T>(method: string, params?: object) =>
      new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    await post('Profiler.start');
    const measured = await load.run(app.url, verifies, 8, { durationMs: PROFILE_MS, cycle: true });
    const { profile } = await post<{ profile: Profile }>('Profiler.stop');
    checkAll('profiled', measured, check);

    const file = join(tmpdir(), `khalti-graphql-verify-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));

    // Self time per node from the samples and their time deltas.
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, ProfileNode>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
    /**
     * A native frame (a V8 builtin or a C++ binding: no URL) is charged to the package of the
     * nearest JavaScript frame that called it, marked "native"; better-sqlite3's native methods
     * are SQLite's own time, whoever called them.
     */
    const callerOf = (node: ProfileNode): ProfileNode | undefined => {
      for (let up = parent.get(node.id); up; up = parent.get(up.id)) if (up.callFrame.url) return up;
      return undefined;
    };
    const groupOf = (node: ProfileNode): string => {
      const own = packageOf(node);
      if (own !== '(native)') return own;
      const caller = callerOf(node);
      const callerPkg = caller ? packageOf(caller) : 'unknown';
      if (SQLITE_NATIVE.has(node.callFrame.functionName) && /better-sqlite3|gateway src\/db|drizzle-orm/.test(callerPkg)) return 'SQLite (better-sqlite3 native calls)';
      return `${callerPkg} (native)`;
    };
    const selfUs = new Map<number, number>();
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
    const idleUs = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
    /** The profiler's own work (Profiler.stop serialising the profile), not the gateway's. */
    const profilerOwn = (node: ProfileNode) => {
      for (let up: ProfileNode | undefined = node; up; up = parent.get(up.id)) if (up.callFrame.url === 'node:inspector') return true;
      return false;
    };
    const profilerUs = [...selfUs].filter(([id]) => profilerOwn(byId.get(id)!)).reduce((a, [, us]) => a + us, 0);
    const busyUs = totalUs - idleUs - profilerUs;
    const groups = new Map<string, number>();
    const frames = new Map<string, { name: string; where: string; pkg: string; us: number }>();
    const parentPackages = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const node = byId.get(id)!;
      if (node.callFrame.functionName === '(idle)' || profilerOwn(node)) continue;
      const pkg = groupOf(node);
      groups.set(pkg, (groups.get(pkg) ?? 0) + us);
      const top = pkg.replace(/ \(native\)$/, '');
      parentPackages.set(top, (parentPackages.get(top) ?? 0) + us);
      const caller = node.callFrame.url ? undefined : callerOf(node);
      const at = node.callFrame.url ? where(node) : caller ? `native, called from ${caller.callFrame.functionName || '(anonymous)'} ${where(caller)}` : 'native';
      const key = `${node.callFrame.functionName}@${at}`;
      const frame = frames.get(key) ?? { name: node.callFrame.functionName || '(anonymous)', where: at, pkg, us: 0 };
      frame.us += us;
      frames.set(key, frame);
    }
    const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1)}%`;
    const lines = [
      `# CPU profile: ${READS ? 'payment(pidx) (COMPLETED)' : 'verifyPayment (no change)'}, SQLite, 8 clients`,
      '',
      `${measured.latencies.length} requests in ${(measured.elapsedMs / 1000).toFixed(1)} s (${Math.round((measured.latencies.length / measured.elapsedMs) * 1000)} req/s under the profiler); ` +
        `main thread busy ${(busyUs / 1000).toFixed(0)} ms of ${(totalUs / 1000).toFixed(0)} ms sampled (${((busyUs / totalUs) * 100).toFixed(0)}%), sampling every ${SAMPLING_INTERVAL_US} µs. ` +
        `Percentages are of the busy time (neither idle nor the profiler's own ${(profilerUs / 1000).toFixed(0)} ms). Profile: ` + file,
      '',
      'Native frames (V8 builtins, C++ bindings) are charged to the package whose JavaScript called them; better-sqlite3\'s native methods are counted as SQLite.',
      '',
      '| self time by package (native split out) | ms | share |',
      '|---|--:|--:|',
      ...[...groups].sort((a, b) => b[1] - a[1]).filter(([, us]) => us / busyUs >= 0.002).map(([pkg, us]) => `| ${pkg} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`),
      '',
      '| self time by package (native included) | ms | share |',
      '|---|--:|--:|',
      ...[...parentPackages].sort((a, b) => b[1] - a[1]).filter(([, us]) => us / busyUs >= 0.002).map(([pkg, us]) => `| ${pkg} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`),
      '',
      '| top self-time frames | package | where | ms | share |',
      '|---|---|---|--:|--:|',
      ...[...frames.values()]
        .sort((a, b) => b.us - a.us)
        .slice(0, 30)
        .map((f) => `| \`${f.name}\` | ${f.pkg} | ${f.where || '-'} | ${(f.us / 1000).toFixed(0)} | ${pct(f.us)} |`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    session.disconnect();
    await load.close();
    await app.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('profile failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
