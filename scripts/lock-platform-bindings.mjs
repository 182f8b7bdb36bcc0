#!/usr/bin/env node
/**
 * Keeps package-lock.json acceptable to `npm ci` on this project's registry.
 *
 * jest 30 depends on unrs-resolver, which lists one optional native binding per platform. The
 * registry our machines reach serves only the Linux ones, so `npm install` leaves the others out
 * of the lockfile, and `npm ci` then refuses the lockfile as "not in sync" ("Missing:
 * @unrs/resolver-binding-...@ from lock file"). This script adds an entry for each missing
 * platform binding, marked optional and restricted to its own os/cpu, so npm ci never fetches it
 * here and finds the lockfile complete. It changes nothing when the entries are present.
 *
 * Run it after `npm install` changes the lockfile; .ci/run runs it before `npm ci`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const PLATFORM = /-(android|darwin|freebsd|linux|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/;

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;
let added = 0;

for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = PLATFORM.exec(name);
    if (!match || !name.startsWith('@unrs/resolver-binding-')) continue;
    const home = path === '' ? `node_modules/${name}` : `${path}/node_modules/${name}`;
    if (packages[`node_modules/${name}`] || packages[home]) continue;
    const [, os, cpu, abi] = match;
    const placeholder = { version, cpu: [cpu], dev: entry.dev, optional: true, os: [os] };
    if (abi === 'gnu' || abi === 'gnueabihf') placeholder.libc = ['glibc'];
    if (abi === 'musl' || abi === 'musleabihf') placeholder.libc = ['musl'];
    if (!entry.dev) delete placeholder.dev;
    packages[`node_modules/${name}`] = placeholder;
    added += 1;
  }
}

// Appended, not sorted in: the next `npm install` sorts the file its own way anyway.
if (added > 0) writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platform-bindings: ${added} entr${added === 1 ? 'y' : 'ies'} added`);
