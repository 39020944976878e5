/**
 * What the simulator's runs look like: the kinds of tasks (their steps, messages, output and
 * artifacts), workflows (their phases) and container images, and how each can go wrong.
 * Durations are in ms at speed 1.
 */
import { CI_TASKS } from './ci-catalogue.js';
import type { Random } from './random.js';
import type { ContainerTemplate, TaskTemplate, WorkflowTemplate } from './run-templates.js';

export type { Line } from './run-templates.js';

const ms = (r: Random) => `${r.int(4, 900)}ms`;

export const TASKS: readonly TaskTemplate[] = [
  {
    name: 'Generate API client',
    input: { spec: 'openapi/orders.yaml', language: 'typescript' },
    steps: [
      {
        id: 'read-spec',
        name: 'Read OpenAPI spec',
        error: 'Schema "Order" references missing "#/components/schemas/Money"',
        ms: [1200, 2500],
        messages: ['Loading openapi/orders.yaml', 'Resolving $ref pointers'],
        output: ['> loading openapi/orders.yaml', (r) => `found ${r.int(18, 64)} operations in ${r.int(3, 9)} tags`, 'resolved 112 $ref pointers'],
      },
      {
        id: 'generate',
        name: 'Generate code',
        error: 'Template error: unsupported oneOf without discriminator in "Payment"',
        ms: [2500, 5000],
        messages: ['Writing models', 'Writing operations', 'Writing index'],
        output: [
          (r) => `write src/orders/models.ts (${r.int(12, 40)} types)`,
          'write src/orders/client.ts',
          'write src/orders/index.ts',
        ],
        artifacts: [
          { path: 'src/orders/client.ts', type: 'text/typescript', size: [8000, 42000] },
          { path: 'src/orders/models.ts', type: 'text/typescript', size: [3000, 18000] },
        ],
      },
      {
        id: 'typecheck',
        name: 'Type check',
        error: 'Type check failed: 3 errors in src/orders/client.ts',
        ms: [1500, 3000],
        messages: ['Running tsc --noEmit'],
        output: ['$ tsc --noEmit -p .', (r) => `checked ${r.int(40, 160)} files in ${(r.between(0.8, 3.2)).toFixed(1)}s`],
      },
      {
        id: 'test',
        name: 'Run tests',
        error: 'Tests failed: 2 of 31 in test/orders/client.test.ts',
        ms: [2000, 4500],
        messages: ['Running unit tests', 'Collecting coverage'],
        output: [
          '$ node --test',
          (r) => `ok ${r.int(1, 9)} - orders client builds request URLs (${ms(r)})`,
          (r) => `ok ${r.int(10, 19)} - orders client parses errors (${ms(r)})`,
          (r) => `# pass ${r.int(24, 60)}`,
        ],
        artifacts: [{ path: 'coverage/lcov.info', type: 'text/plain', size: [20000, 90000] }],
      },
    ],
  },
  {
    name: 'Refactor auth module',
    input: { path: 'src/auth', goal: 'replace session cookies with short-lived tokens' },
    steps: [
      {
        id: 'scan',
        name: 'Scan code base',
        error: 'Cannot parse src/auth/legacy.js: unexpected token at line 212',
        ms: [1000, 2500],
        messages: ['Indexing files', 'Finding call sites'],
        output: [(r) => `indexed ${r.int(200, 900)} files`, (r) => `found ${r.int(12, 60)} call sites of session.get()`],
      },
      {
        id: 'plan',
        name: 'Plan changes',
        error: 'Rate limited by the model provider (429)',
        ms: [1500, 3000],
        messages: ['Drafting the change plan'],
        output: ['plan: 1) token service 2) middleware 3) migrate call sites 4) remove cookies'],
        artifacts: [{ path: 'plans/auth-tokens.md', type: 'text/markdown', size: [1500, 6000] }],
      },
      {
        id: 'edit',
        name: 'Apply edits',
        error: 'Merge conflict in src/auth/session.ts',
        ms: [3000, 6000],
        messages: ['Editing src/auth/token.ts', 'Editing src/auth/middleware.ts', 'Migrating call sites'],
        output: [
          'edit src/auth/token.ts (+84 -0)',
          'edit src/auth/middleware.ts (+31 -19)',
          (r) => `migrated ${r.int(12, 60)} call sites`,
        ],
        artifacts: [{ path: 'changes/auth.patch', type: 'text/x-diff', size: [6000, 30000] }],
      },
      {
        id: 'verify',
        name: 'Run test suite',
        error: 'Tests failed: 2 of 48 in test/auth/refresh.test.ts',
        ms: [2000, 4000],
        messages: ['Running the test suite'],
        output: [
          '$ npm test',
          (r) => `ok ${r.int(1, 40)} - refresh rotates the token (${ms(r)})`,
          (r) => {
            const tests = r.int(40, 60);
            return `# tests ${tests}\n# pass ${tests}`;
          },
        ],
      },
    ],
  },
  {
    name: 'Summarise release notes',
    input: { from: 'v2.3.0', to: 'main' },
    steps: [
      {
        id: 'collect',
        name: 'Collect commits',
        error: 'Unknown revision v2.3.0',
        ms: [1000, 2000],
        messages: ['Reading git log'],
        output: ['$ git log v2.3.0..main --oneline', (r) => `${r.int(20, 140)} commits, ${r.int(3, 20)} authors`],
      },
      {
        id: 'group',
        name: 'Group changes',
        error: 'Rate limited by the model provider (429)',
        ms: [1500, 3000],
        messages: ['Grouping by area', 'Finding breaking changes'],
        output: [(r) => `features: ${r.int(3, 12)}, fixes: ${r.int(5, 30)}, breaking: ${r.int(0, 2)}`],
      },
      {
        id: 'write',
        name: 'Write notes',
        error: 'Context window exceeded: 212k tokens of commit messages',
        ms: [2000, 4000],
        messages: ['Writing the summary', 'Writing the upgrade guide'],
        output: ['write RELEASE_NOTES.md'],
        artifacts: [{ path: 'RELEASE_NOTES.md', type: 'text/markdown', size: [3000, 12000] }],
      },
    ],
  },
  {
    name: 'Evaluate model',
    input: { model: 'classifier-v7', dataset: 'support-tickets-2024' },
    steps: [
      {
        id: 'load',
        name: 'Load dataset',
        error: 'Dataset shard 4 is corrupt (checksum mismatch)',
        ms: [1500, 3000],
        messages: ['Downloading shards', 'Tokenising'],
        output: [(r) => `loaded ${r.int(8, 40)}k rows from 6 shards`, 'tokeniser: bpe-32k'],
      },
      {
        id: 'evaluate',
        name: 'Evaluate',
        error: 'CUDA out of memory while evaluating batch 37',
        ms: [4000, 8000],
        messages: ['Batch 10 of 40', 'Batch 20 of 40', 'Batch 30 of 40', 'Batch 40 of 40'],
        output: [
          (r) => `batch 10/40 loss=${r.between(0.3, 0.6).toFixed(3)}`,
          (r) => `batch 20/40 loss=${r.between(0.25, 0.5).toFixed(3)}`,
          (r) => `batch 30/40 loss=${r.between(0.2, 0.45).toFixed(3)}`,
          (r) => `batch 40/40 loss=${r.between(0.2, 0.4).toFixed(3)}`,
        ],
      },
      {
        id: 'report',
        name: 'Write report',
        error: 'Disk quota exceeded writing reports/confusion.png',
        ms: [1000, 2000],
        messages: ['Computing metrics'],
        output: [(r) => `accuracy=${r.between(0.86, 0.95).toFixed(3)} f1=${r.between(0.8, 0.93).toFixed(3)}`],
        artifacts: [
          { path: 'reports/eval.json', type: 'application/json', size: [2000, 9000] },
          { path: 'reports/confusion.png', type: 'image/png', size: [40000, 180000] },
        ],
      },
    ],
  },
  ...CI_TASKS,
];

export const WORKFLOWS: readonly WorkflowTemplate[] = [
  {
    workflowId: 'release-pipeline',
    name: 'Release pipeline',
    summary: (r) => `Released v4.2.${r.int(1, 30)} to production`,
    phases: [
      { id: 'plan', name: 'Plan', ms: [1500, 3000], error: 'No changes to release since v4.1.0' },
      { id: 'build', name: 'Build', ms: [3000, 6000], error: 'Build failed: exit code 2 in packages/web' },
      { id: 'test', name: 'Test', ms: [3000, 7000], error: '4 failing tests in packages/api' },
      { id: 'package', name: 'Package', ms: [1500, 3000], error: 'Image push denied: registry quota exceeded' },
      { id: 'deploy', name: 'Deploy', ms: [2000, 5000], error: 'Health check timed out after 120 s' },
    ],
  },
  {
    workflowId: 'data-refresh',
    name: 'Data refresh',
    summary: (r) => `Loaded ${r.int(120, 990)}k rows into the warehouse`,
    phases: [
      { id: 'extract', name: 'Extract', ms: [2000, 4000], error: 'Source "crm" returned 503' },
      { id: 'transform', name: 'Transform', ms: [3000, 6000], error: 'Column "region" missing in 12 input files' },
      { id: 'validate', name: 'Validate', ms: [1500, 3000], error: '1.2% of rows have no customer id' },
      { id: 'load', name: 'Load', ms: [2000, 4000], error: 'Warehouse connection reset' },
    ],
  },
  {
    workflowId: 'code-review',
    name: 'Code review',
    summary: (r) => `Posted ${r.int(2, 14)} review comments on pull request ${r.int(300, 340)}`,
    phases: [
      { id: 'fetch', name: 'Fetch changes', ms: [1000, 2000], error: 'Could not fetch pull request 318 (403)' },
      { id: 'analyse', name: 'Static analysis', ms: [2500, 5000], error: 'Analyser crashed on src/vendor/min.js' },
      { id: 'review', name: 'Review', ms: [3000, 6000], error: 'Reviewer model timed out' },
    ],
  },
];

export const CONTAINERS: readonly ContainerTemplate[] = [
  { image: 'node:20-alpine', ms: [4000, 10000], errors: ['OOMKilled: memory limit of 512 MiB exceeded'] },
  { image: 'python:3.12-slim', ms: [5000, 12000], errors: ['OOMKilled: memory limit of 1 GiB exceeded', 'health check failed 3 times'] },
  { image: 'ghcr.io/aintandem/sandbox:1.4', ms: [3000, 9000], errors: ['sandbox runtime crashed (signal 11)'] },
  { image: 'postgres:16', ms: [6000, 14000], errors: ['port 5432 is already allocated'] },
];

/** Errors of a container that never starts. */
export const CONTAINER_START_ERRORS: readonly string[] = [
  'image pull failed: manifest unknown',
  'image pull failed: registry timed out',
];

/** Non-zero exit codes of a failing container (generic error, misuse, SIGKILL, SIGSEGV). */
export const FAILING_EXIT_CODES: readonly number[] = [1, 2, 137, 139];
