import { request } from 'undici';

export type Control = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<any>;

/** Calls the emulator's JSON test controls under `<emulatorRoot>/__control`. */
export function controlClient(emulatorRoot: string): Control {
  return async (method, path, body) => {
    const response = await request(`${emulatorRoot}/__control${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`control ${method} ${path}: ${response.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}
