/** A problem the user can fix (bad argument, unknown revision, bad config): reported in one line, never as a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A target could not be rendered. The message reads "file:line: reason" when the cause is known. */
export class RenderError extends Error {
  override name = 'RenderError';
  /** Secret values among the inputs of the failed render (a tool may echo any input): never shown with the message. */
  readonly secrets: string[] = [];
  constructor(
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(`${file ? `${file}${line ? `:${line}` : ''}: ` : ''}${reason}`);
  }
}

/** An error as plain data: what a thread boundary keeps of it (structured cloning loses the class and its fields). */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  reason?: string;
  file?: string;
  line?: number;
}

export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const data: ErrorData = { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof RenderError) Object.assign(data, { reason: error.reason }, error.file ? { file: error.file } : {}, error.line ? { line: error.line } : {});
  return data;
}

/** The error again, as the class it was thrown as where that class is ours. */
export function reviveError(data: ErrorData): Error {
  const error =
    data.name === 'RenderError'
      ? new RenderError(data.reason ?? data.message, data.file, data.line)
      : data.name === 'UserError'
        ? new UserError(data.message)
        : Object.assign(new Error(data.message), { name: data.name });
  if (data.stack) error.stack = data.stack;
  return error;
}
