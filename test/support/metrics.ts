/** Scrapes a gateway's /metrics over HTTP and reads samples out of Prometheus's text format. */
import { request } from 'undici';

export interface Scrape {
  status: number;
  contentType: string;
  text: string;
  /** The sample's value; 0 when the series is absent (a counter never incremented). */
  value(name: string, labels?: Record<string, string>): number;
}

export async function scrape(url: string, token?: string | null, authorization?: string): Promise<Scrape> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  else if (token) headers.authorization = `Bearer ${token}`;
  const response = await request(`${url}/metrics`, { headers });
  const text = await response.body.text();
  const samples = response.statusCode === 200 ? parseSamples(text) : [];
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    text,
    value(name, labels = {}) {
      const match = samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value) && Object.keys(sample.labels).length === Object.keys(labels).length);
      return match?.value ?? 0;
    },
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** `name{a="x",b="y"} 1.5` lines; comments and blank lines skipped. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
