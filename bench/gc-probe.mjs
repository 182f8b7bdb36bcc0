// Preloaded (--import) into the processes bench/scale.ts measures (the gateway, the raw ws
// server), which it starts with --expose-gc and an IPC channel: on { type: 'memory' } it runs full
// garbage collections and answers with process.memoryUsage(), so that "memory per idle subscriber"
// compares live memory, not garbage that happens not to be collected yet. V8 gives freed pages back
// to the OS from background threads, so RSS is read after a pause and one more collection. It
// changes nothing else in the process: the channel is unref'd, so it never keeps the process alive.
const collect = typeof globalThis.gc === 'function' ? globalThis.gc : null;

if (process.send) {
  process.on('message', (message) => {
    if (message?.type !== 'memory') return;
    collect?.();
    collect?.();
    setTimeout(() => {
      collect?.();
      process.send({ type: 'memory', collected: collect !== null, ...process.memoryUsage() });
    }, 300);
  });
  process.channel?.unref();
}
