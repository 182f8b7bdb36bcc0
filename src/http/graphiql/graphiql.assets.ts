/**
 * The allow-list of files the GraphiQL page needs, read once from installed packages (no CDN).
 *
 * graphiql@3 is the last major that ships a UMD bundle (graphiql.min.js + graphiql.min.css, with
 * graphql, codemirror and graphql-ws's client inside); it expects React 18's UMD globals, which
 * react@18 / react-dom@18 ship (React 19 no longer has UMD builds). Subscriptions use graphql-ws's
 * own browser client (its ES module build, dist/client.js and the chunk it imports), so the page
 * controls connectionParams and retries; graphql-ws is the library the gateway's server side uses.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { bootJs, PAGE_CSS } from './graphiql.client';

const gzipAsync = promisify(gzip);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

export interface GraphiqlAsset {
  name: string;
  contentType: string;
  body: Buffer;
  /** Short content hash: the page links `<name>?v=<version>`, so new contents mean a new URL. */
  version: string;
  /** Strong ETag of the identity body. */
  etag: string;
  /** Subresource Integrity value for the page's <script>/<link>. */
  integrity: string;
  /** The body gzipped, made on first demand. */
  gzipped(): Promise<Buffer>;
}

/**
 * A file inside an installed package. graphiql, react and react-dom have "exports" maps that
 * refuse deep requires of their bundles but do export package.json, so resolve that (wherever
 * Node's resolution finds the package) and take the file next to it.
 */
function packageFile(packageName: string, file: string): string {
  return join(dirname(require.resolve(`${packageName}/package.json`)), file);
}

function makeAsset(name: string, contentType: string, body: Buffer): GraphiqlAsset {
  const sha256 = createHash('sha256').update(body).digest();
  let gzipped: Promise<Buffer> | undefined;
  return {
    name,
    contentType,
    body,
    version: sha256.toString('hex').slice(0, 16),
    etag: `"${sha256.toString('base64url')}"`,
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
    gzipped: () => {
      gzipped ??= gzipAsync(body, { level: 9 });
      return gzipped;
    },
  };
}

/** Classic scripts, in load order: React, ReactDOM, GraphiQL. */
export const SCRIPT_ASSETS = ['react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js'] as const;
/** The bootstrap, an ES module run after the classic scripts; it imports graphql-ws's client. */
export const MODULE_ASSET = 'graphiql-boot.js';
export const STYLE_ASSETS = ['graphiql.min.css', 'graphiql-page.css'] as const;
/** The name graphql-ws's dist/client.js is served under. */
export const WS_CLIENT_ASSET = 'graphql-ws.client.js';

/** Static import/export statements (at the start of a line, as bundlers emit them). */
const BARE_IMPORT = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"](?!\.\/)/m;
const RELATIVE_IMPORT = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]\.\/([\w.-]+\.js)['"]/gm;

/**
 * graphql-ws's ES module client and the chunks it imports (`./common-<hash>.js`), which are served
 * under their own names next to it so its relative imports resolve. Only this closure is listed.
 */
function graphqlWsClientAssets(): GraphiqlAsset[] {
  const dist = packageFile('graphql-ws', 'dist');
  const assets: GraphiqlAsset[] = [];
  const seen = new Set<string>();
  const visit = (file: string, servedAs: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const body = readFileSync(join(dist, file));
    const text = body.toString('utf8');
    // A browser cannot resolve a bare specifier ('graphql') without an import map: refuse to start.
    if (BARE_IMPORT.test(text)) throw new Error(`graphql-ws dist/${file} imports a bare module; GraphiQL cannot serve it`);
    assets.push(makeAsset(servedAs, JS, body));
    for (const match of text.matchAll(RELATIVE_IMPORT)) visit(match[1]!, match[1]!);
  };
  visit('client.js', WS_CLIENT_ASSET);
  return assets;
}

/** Reads every allowed file now, so a missing package stops start-up rather than the first page view. */
export function loadGraphiqlAssets(): ReadonlyMap<string, GraphiqlAsset> {
  const fromPackage = (name: string, contentType: string, packageName: string, file: string): GraphiqlAsset =>
    makeAsset(name, contentType, readFileSync(packageFile(packageName, file)));
  const fromText = (name: string, contentType: string, text: string): GraphiqlAsset =>
    makeAsset(name, contentType, Buffer.from(text, 'utf8'));

  const wsClient = graphqlWsClientAssets();
  const assets = [
    fromPackage('react.production.min.js', JS, 'react', 'umd/react.production.min.js'),
    fromPackage('react-dom.production.min.js', JS, 'react-dom', 'umd/react-dom.production.min.js'),
    fromPackage('graphiql.min.js', JS, 'graphiql', 'graphiql.min.js'),
    fromPackage('graphiql.min.css', CSS, 'graphiql', 'graphiql.min.css'),
    fromText('graphiql-page.css', CSS, PAGE_CSS),
    ...wsClient,
    // Imports the client by a versioned relative URL, so a new graphql-ws means a new bootstrap.
    fromText(MODULE_ASSET, JS, bootJs(`./${WS_CLIENT_ASSET}?v=${wsClient[0]!.version}`)),
  ];
  const byName = new Map<string, GraphiqlAsset>();
  for (const asset of assets) {
    if (byName.has(asset.name)) throw new Error(`GraphiQL asset ${asset.name} is listed twice`);
    byName.set(asset.name, asset);
  }
  return byName;
}
