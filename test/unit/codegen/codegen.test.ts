/**
 * GraphQL Code Generator (codegen.ts): the committed output in examples/generated/ is what the
 * generator makes from schema/schema.graphql and examples/operations/, every example operation is
 * valid and generated, and code using the generated types type-checks, while misuse does not.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildSchema, Kind, parse, print, validate, type DocumentNode } from 'graphql';
import ts from 'typescript';
import config, { codegenDocuments, codegenOutputDir, codegenSchema } from '../../../codegen';
import * as generated from '../../../examples/generated/graphql';

const ROOT = resolve(__dirname, '../../..');
const OPERATIONS_DIR = join(ROOT, 'examples/operations');
const OUTPUT_DIR = join(ROOT, codegenOutputDir);
const REGENERATE = 'run `npm run codegen`';

describe('codegen.ts', () => {
  it('reads only files committed in this repository (works offline)', () => {
    expect(config.schema).toBe(codegenSchema);
    expect(config.documents).toEqual([codegenDocuments]);
    expect(existsSync(join(ROOT, codegenSchema))).toBe(true);
    expect(codegenDocuments).toBe('examples/operations/*.graphql');
    expect(Object.keys(config.generates)).toEqual([codegenOutputDir]);
  });
});

describe('examples/operations', () => {
  const schema = buildSchema(readFileSync(join(ROOT, codegenSchema), 'utf8'));
  const files = readdirSync(OPERATIONS_DIR).sort();

  it('holds only .graphql files, so the documents glob misses none', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !f.endsWith('.graphql'))).toEqual([]);
  });

  it.each(files.filter((f) => f.endsWith('.graphql')))(
    '%s is one operation that validates against schema/schema.graphql and is generated',
    (file) => {
      const document = parse(readFileSync(join(OPERATIONS_DIR, file), 'utf8'));
      expect(document.definitions).toHaveLength(1);
      const [operation] = document.definitions;
      if (operation?.kind !== Kind.OPERATION_DEFINITION || !operation.name) {
        throw new Error(`${file} must hold exactly one named operation`);
      }
      expect(validate(schema, document).map((e) => e.message)).toEqual([]);

      const exportName = `${operation.name.value}Document`;
      const generatedDocument = (generated as Record<string, unknown>)[exportName] as DocumentNode | undefined;
      if (!generatedDocument) throw new Error(`examples/generated/graphql.ts has no ${exportName}: ${REGENERATE}`);
      expect(print(generatedDocument)).toBe(print(document));
    },
  );
});

describe(codegenOutputDir, () => {
  it(`is what codegen.ts generates (${REGENERATE} when this fails)`, async () => {
    // @graphql-codegen/cli loads ESM-only packages that jest cannot require, so it runs in a child.
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'generate-in-memory.mjs')], {
      cwd: ROOT,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const expected = JSON.parse(stdout) as { filename: string; content: string }[];
    expect(expected.map((f) => f.filename).sort()).toEqual(
      ['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json'].map((name) => `${codegenOutputDir}${name}`),
    );

    const problems: string[] = [];
    for (const { filename, content } of expected) {
      const path = join(ROOT, filename);
      if (!existsSync(path)) problems.push(`${filename} is missing: ${REGENERATE}`);
      else if (readFileSync(path, 'utf8') !== content) problems.push(`${filename} is stale: ${REGENERATE}`);
    }
    const wanted = new Set(expected.map((f) => join(ROOT, f.filename)));
    for (const name of readdirSync(OUTPUT_DIR)) {
      if (!wanted.has(join(OUTPUT_DIR, name))) problems.push(`${codegenOutputDir}${name} is not generated any more: delete it`);
    }
    expect(problems).toEqual([]);
  });
});

describe('code using the generated types', () => {
  // One program for everything (the slow part is loading lib and @types): the example client and a
  // usage fixture from disk, plus in-memory misuses, each in its own module so errors stay apart.
  const GOOD_FILES = [
    join(ROOT, 'examples/client/gateway-client.ts'),
    join(ROOT, 'examples/client/example.ts'),
    join(__dirname, 'fixtures/uses-generated-types.ts'),
  ];

  const PRELUDE = `
import type { GatewayClient } from '../../../examples/client/gateway-client';
import * as gql from '../../../examples/generated/graphql';
declare const client: GatewayClient;
declare const pidx: string;
export async function misuse(): Promise<void> {
`;

  /** Each misuse must yield a diagnostic with this code on the line marked `// <- error`. */
  const MISUSES: Record<string, { code: number; source: string }> = {
    'reads a field the operation does not select': {
      code: 2339, // Property does not exist on type
      source: `
const { initiatePayment } = await client.request(gql.InitiatePaymentDocument, { input: {} as gql.InitiatePaymentInput });
console.log(initiatePayment.payment?.purchaseOrderId); // <- error
`,
    },
    'passes the amount as a string': {
      code: 2322, // Type is not assignable
      source: `
const input: gql.InitiatePaymentInput = {
  purchaseOrderId: 'order-1',
  purchaseOrderName: 'Order 1',
  amount: '1000', // <- error
  returnUrl: 'https://shop.example/return',
  websiteUrl: 'https://shop.example',
};
console.log(input);
`,
    },
    'leaves out required variables': {
      code: 2554, // Expected N arguments
      source: `
await client.request(gql.PaymentDocument); // <- error
`,
    },
    'passes a variable the operation does not declare': {
      code: 2353, // Object literal may only specify known properties
      source: `
await client.request(gql.PaymentDocument, { pidx, amount: 1000 }); // <- error
`,
    },
    'uses an enum value the schema does not have': {
      code: 2322,
      source: `
await client.request(gql.BanksDocument, { type: 'CARD' }); // <- error
`,
    },
    'reads a nullable result without checking for null': {
      code: 18047, // possibly null
      source: `
const { payment } = await client.request(gql.PaymentDocument, { pidx });
console.log(payment.paid); // <- error
`,
    },
    'subscribes with a wrongly typed variable': {
      code: 2322,
      source: `
for await (const event of client.subscribe(gql.PaymentStatusChangedDocument, { pidx: 42 })) console.log(event); // <- error
`,
    },
  };

  const misuseFile = (index: number) => join(__dirname, `virtual-misuse-${index}.ts`);
  const misuseSource = (source: string) => `${PRELUDE}${source}}\n`;

  let program: ts.Program;

  beforeAll(() => {
    const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    if (configFile.error) throw new Error(ts.flattenDiagnosticMessageText(configFile.error.messageText, '\n'));
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);

    const virtual = new Map<string, string>();
    Object.values(MISUSES).forEach(({ source }, i) => virtual.set(misuseFile(i), misuseSource(source)));

    const host = ts.createCompilerHost(options, true);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
    host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      const text = virtual.get(name);
      return text === undefined
        ? getSourceFile.call(host, name, languageVersion, onError, shouldCreate)
        : ts.createSourceFile(name, text, languageVersion, true);
    };
    program = ts.createProgram({ rootNames: [...GOOD_FILES, ...virtual.keys()], options: { ...options, noEmit: true }, host });
  });

  const format = (diagnostics: readonly ts.Diagnostic[]) =>
    diagnostics.map((d) => {
      const where =
        d.file && d.start !== undefined
          ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `
          : '';
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });

  it('the example client and the usage fixture type-check under tsconfig.json', () => {
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...GOOD_FILES.flatMap((file) => {
        const sourceFile = program.getSourceFile(file);
        if (!sourceFile) throw new Error(`${file} is not in the program`);
        return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
      }),
    ];
    expect(format(diagnostics)).toEqual([]);
  });

  it.each(Object.entries(MISUSES).map(([name, misuse], i) => [name, misuse, i] as const))(
    'rejects code that %s',
    (_name, { code, source }, i) => {
      const sourceFile = program.getSourceFile(misuseFile(i))!;
      const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
      const markedLine = misuseSource(source).split('\n').findIndex((line) => line.includes('// <- error'));
      const found = diagnostics.map((d) => ({
        code: d.code,
        line: sourceFile.getLineAndCharacterOfPosition(d.start ?? 0).line,
      }));
      expect(found).toContainEqual({ code, line: markedLine });
      // Nothing else is wrong with the snippet: the marked misuse is what the compiler caught.
      expect(format(diagnostics.filter((d) => sourceFile.getLineAndCharacterOfPosition(d.start ?? 0).line !== markedLine))).toEqual([]);
    },
  );
});

describe('the generated files for CommonJS and ESM consumers', () => {
  // A consumer package as a consumer would lay it out: its package.json (`type` decides whether
  // TypeScript treats its .ts files as CommonJS or ESM under NodeNext), examples/generated/ copied
  // in as generated/, and a small module using the documents through the barrel and directly.
  const GENERATED = ['gql.ts', 'graphql.ts', 'index.ts'];
  const CONSUMER = `
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { graphql } from './generated/index.js';
import { PaymentDocument, type PaymentStatus } from './generated/graphql.js';

const viaTag = graphql('query CheckoutConfig {\\n  checkoutConfig {\\n    environment\\n    publicKey\\n    returnUrl\\n  }\\n}');
export const environment = (result: ResultOf<typeof viaTag>): string => result.checkoutConfig.environment;
export const variables: VariablesOf<typeof PaymentDocument> = { pidx: 'pidx-1' };
export const status = (result: ResultOf<typeof PaymentDocument>): PaymentStatus | undefined => result.payment?.status;
export const hash: unknown = (PaymentDocument as unknown as { __meta__?: { hash?: string } }).__meta__?.hash;
`;

  function check(packageType: 'commonjs' | 'module', options: ts.CompilerOptions): string[] {
    const dir = join(__dirname, `virtual-consumer-${packageType}`);
    const virtual = new Map<string, string>([
      [join(dir, 'package.json'), JSON.stringify({ name: `consumer-${packageType}`, type: packageType })],
      [join(dir, 'consumer.ts'), CONSUMER],
      ...GENERATED.map((name) => [join(dir, 'generated', name), readFileSync(join(OUTPUT_DIR, name), 'utf8')] as [string, string]),
    ]);
    const compilerOptions: ts.CompilerOptions = { ...options, strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts'], target: ts.ScriptTarget.ES2022 };
    const host = ts.createCompilerHost(compilerOptions, true);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
    host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
    // Module resolution looks for the folders first: the virtual ones exist too.
    const { directoryExists } = host;
    host.directoryExists = (name) => [...virtual.keys()].some((file) => file.startsWith(`${name}/`)) || (directoryExists?.call(host, name) ?? ts.sys.directoryExists(name));
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      const text = virtual.get(name);
      return text === undefined ? getSourceFile.call(host, name, languageVersion, onError, shouldCreate) : ts.createSourceFile(name, text, languageVersion, true);
    };
    const rootNames = [join(dir, 'consumer.ts'), ...GENERATED.map((name) => join(dir, 'generated', name))];
    const program = ts.createProgram({ rootNames, options: compilerOptions, host });
    return [...program.getOptionsDiagnostics(), ...ts.getPreEmitDiagnostics(program)].map((d) => {
      const where = d.file && d.start !== undefined ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  }

  it('type-check in a CommonJS consumer (module CommonJS, moduleResolution Node10)', () => {
    expect(check('commonjs', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 })).toEqual([]);
  });

  it('type-check in a CommonJS package under NodeNext', () => {
    expect(check('commonjs', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext })).toEqual([]);
  });

  it('type-check in an ESM consumer ("type": "module", module and moduleResolution NodeNext)', () => {
    expect(check('module', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext })).toEqual([]);
  });
});
