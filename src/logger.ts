/** One line per event on stdout. Callers never pass keys; messages are built from ids and codes. */
export type Log = (line: string) => void;

export const consoleLog: Log = (line) => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

export const silentLog: Log = () => undefined;
