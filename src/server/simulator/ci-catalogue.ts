/**
 * Kinds of tasks whose steps print real terminal logs (task-logs.ts): a build and deploy of a
 * web service (npm, docker, tests) and two CI jobs (GitHub Actions groups, GitLab CI sections).
 */
import type { TaskTemplate } from './run-templates.js';
import { dockerBuild, githubGroups, gitlabSections, npmInstall, testRun } from './task-logs.js';

export const CI_TASKS: readonly TaskTemplate[] = [
  {
    name: 'Build web service',
    input: { repository: 'aintandem/web', ref: 'main' },
    steps: [
      {
        id: 'install',
        name: 'Install dependencies',
        error: 'npm ERR! code ETARGET: No matching version found for zod@^4.9.0',
        ms: [2000, 4000],
        messages: ['Resolving packages', 'Fetching packages', 'Linking packages'],
        output: [],
        log: npmInstall,
      },
      {
        id: 'image',
        name: 'Build image',
        error: 'failed to solve: process "/bin/sh -c npm run build" did not complete successfully: exit code 2',
        ms: [3000, 6000],
        messages: ['Building layers', 'Exporting the image'],
        output: [],
        log: dockerBuild,
        artifacts: [{ path: 'image/digest.txt', type: 'text/plain', size: [71, 71] }],
      },
      {
        id: 'test',
        name: 'Run tests',
        error: 'AssertionError: expected 503 to equal 200',
        ms: [2000, 4000],
        messages: ['Running tests'],
        output: [],
        log: testRun,
        artifacts: [{ path: 'reports/junit.xml', type: 'application/xml', size: [4000, 20000] }],
      },
    ],
  },
  {
    name: 'GitHub Actions job',
    input: { workflow: '.github/workflows/ci.yml', job: 'lint' },
    steps: [
      {
        id: 'setup',
        name: 'Set up job',
        error: 'No runner matching the labels "ubuntu-24.04" came online',
        ms: [800, 1600],
        messages: ['Waiting for a runner', 'Preparing the workflow directory'],
        output: [
          (r) => `Current runner version: '2.${r.int(315, 321)}.0'`,
          'Runner image: ubuntu-24.04 (https://github.com/actions/runner-images)',
        ],
      },
      {
        id: 'job',
        name: 'Run job',
        error: 'Process completed with exit code 1.',
        ms: [3000, 6000],
        messages: ['Checking out', 'Installing', 'Linting'],
        output: [],
        log: githubGroups,
      },
      {
        id: 'test',
        name: 'Run tests',
        error: 'TypeError: Cannot read properties of undefined (reading "status")',
        ms: [2000, 4000],
        messages: ['Running tests'],
        output: [],
        log: testRun,
      },
    ],
  },
  {
    name: 'GitLab CI deploy',
    input: { project: 'aintandem/web', job: 'deploy:review' },
    steps: [
      {
        id: 'install',
        name: 'Install dependencies',
        error: 'npm ERR! network request to https://registry.npmjs.org/vite failed, reason: ECONNRESET',
        ms: [2000, 4000],
        messages: ['Fetching packages'],
        output: [],
        log: npmInstall,
      },
      {
        id: 'test',
        name: 'Run tests',
        error: 'AssertionError: expected the review URL to answer 200',
        ms: [2000, 4000],
        messages: ['Running tests'],
        output: [],
        log: testRun,
      },
      {
        id: 'deploy',
        name: 'Deploy review app',
        error: 'Deploy failed: the cluster refused the release (quota exceeded)',
        ms: [3000, 6000],
        messages: ['Preparing the executor', 'Fetching sources', 'Deploying'],
        output: [],
        log: gitlabSections,
        artifacts: [{ path: 'deploy/environment.json', type: 'application/json', size: [300, 1200] }],
      },
    ],
  },
];
