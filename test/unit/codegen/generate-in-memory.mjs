// Runs GraphQL Code Generator with the repository's codegen.ts, exactly as `npm run codegen` does,
// but writes nothing: prints the files it would write as JSON ([{ filename, content }]) on stdout.
//
// It runs in a child process because @graphql-codegen/cli loads ESM-only packages (yargs, chalk),
// which jest's CommonJS module loader cannot require. Run it with the repository root as cwd.
import { generate, loadContext } from '@graphql-codegen/cli';

const context = await loadContext('codegen.ts');
context.updateConfig({ silent: true, watch: false });
const files = await generate(context, false);
process.stdout.write(JSON.stringify(files.map(({ filename, content }) => ({ filename, content }))));
