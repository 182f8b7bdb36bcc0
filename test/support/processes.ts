/**
 * The gateway as a child process (`tsx src/main.ts`), for tests that need a real process: signals,
 * two processes on one database, kill -9.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'undici';

const ROOT = resolve(__dirname, '..', '..');
// tsx as a loader inside one node process (not the tsx CLI, which forks a second process that
// a SIGKILL of the first would leave running).
const NODE_ARGS = ['--import', 'tsx', 'src/main.ts'];

export interface GatewayProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** Set once "listening on" was printed (see started()). */
  url: string;
  gql(query: string, variables: Record<string, unknown>, key: string): Promise<any>;
  get(path: string): Promise<{ status: number; location?: string }>;
  kill9(): Promise<void>;
}

/** `as`: run as another user (root can drop to one, so a chmod'ed file really is read-only to the gateway). */
export function spawnGateway(env: Record<string, string>, as?: { uid: number; gid: number }): GatewayProcess {
  const child = spawn(process.execPath, NODE_ARGS, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'development', ...env }, ...as });
  let output = '';
  const listeners: (() => void)[] = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.splice(0).forEach((listener) => listener());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  const gateway: GatewayProcess = {
    child,
    url: '',
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 30000) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in output:\n${output}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            clearTimeout(timer);
            resolveMatch(match);
          } else listeners.push(check);
        };
        check();
      });
    },
    async gql(query, variables, key) {
      const response = await request(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return response.body.json();
    },
    async get(path) {
      const response = await request(`${gateway.url}${path}`);
      await response.body.dump();
      return { status: response.statusCode, location: response.headers.location as string | undefined };
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
  return gateway;
}

/** Spawns a gateway and resolves once it listens, with `url` set. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const gateway = spawnGateway({ PORT: '0', HOST: '127.0.0.1', ...env });
  const [, url] = await gateway.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
  gateway.url = url!;
  return gateway;
}
