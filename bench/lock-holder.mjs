// Another process holding the SQLite write lock, for bench/run.ts (forked, with an IPC channel):
//   node bench/lock-holder.mjs <sqlite file> <hold ms>
// Opens the file with better-sqlite3, BEGIN IMMEDIATE (waiting up to 10 s for the gateway's own
// writer to let go), holds the lock for <hold ms>, then ROLLBACK. Reports { locked: Date.now() }
// once it holds the lock and { released: Date.now() } after the rollback, then exits.
import Database from 'better-sqlite3';

const [path, holdArg] = process.argv.slice(2);
const holdMs = Number(holdArg);
if (!path || !(holdMs > 0)) {
  console.error('usage: lock-holder.mjs <sqlite file> <hold ms>');
  process.exit(2);
}
const db = new Database(path, { fileMustExist: true, timeout: 10_000 });
db.exec('BEGIN IMMEDIATE');
process.send({ locked: Date.now() });
setTimeout(() => {
  db.exec('ROLLBACK');
  const released = Date.now();
  db.close();
  process.send({ released }, () => process.exit(0));
}, holdMs);
