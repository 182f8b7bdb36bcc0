// GraphQL Code Generator config for consumers of this gateway (`npm run codegen`).
//
// It reads only files in this repository: the committed SDL (schema/schema.graphql, emitted by
// `npm run schema:emit`) and the example operations the README shows (examples/operations, one
// operation per file). It never fetches a schema from a URL, so it works offline.
//
// The output in examples/generated/ is committed; test/unit/codegen/codegen.test.ts fails when it
// is stale and type-checks the example client in examples/client/ against it.
import type { CodegenConfig } from '@graphql-codegen/cli';

export const codegenSchema = 'schema/schema.graphql';
export const codegenDocuments = 'examples/operations/*.graphql';
export const codegenOutputDir = 'examples/generated/';

const config: CodegenConfig = {
  schema: codegenSchema,
  documents: [codegenDocuments],
  // Fail, rather than emit nothing, when the glob matches no operation.
  ignoreNoDocuments: false,
  generates: {
    [codegenOutputDir]: {
      preset: 'client',
      presetConfig: {
        // The example operations use no fragments.
        fragmentMasking: false,
        // persisted-documents.json beside the output: sha256 of each operation's text -> the text,
        // the manifest TRUSTED_DOCUMENTS reads; each generated document also carries its hash in
        // `__meta__.hash`, so a client can send `extensions.persistedQuery.sha256Hash` instead.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        scalars: {
          // DateTime is an RFC 3339 string on the wire (graphql-scalars' DateTime).
          DateTime: 'string',
          // AuditEntry.detailJson: any JSON value; callers narrow it themselves.
          JSON: 'unknown',
          // Every ID here (pidx, refund and audit entry ids) is a string; don't invite numbers.
          ID: { input: 'string', output: 'string' },
        },
        // Any new custom scalar must be mapped here instead of silently becoming `any`.
        strictScalars: true,
        useTypeImports: true,
        // Enums as string unions: no runtime enum objects, so the output has no side effects.
        enumsAsTypes: true,
        // Relative imports with `.js` (`./graphql.js`): required by ESM consumers (`module` and
        // `moduleResolution` NodeNext in a `"type": "module"` package) and resolved just the same
        // by CommonJS ones; codegen.test.ts type-checks the output under both.
        emitLegacyCommonJSImports: false,
      },
    },
  },
};

export default config;
