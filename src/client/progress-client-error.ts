/** The typed error of calls a ProgressClient cannot serve. */

/** Thrown for calls that cannot be served, e.g. no projectId with a per-project URL. */
export class ProgressClientError extends Error {
  constructor(
    readonly code: 'project_required' | 'invalid_options' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'ProgressClientError';
  }
}
