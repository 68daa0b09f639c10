/** A problem the user can fix (bad argument, unknown revision, bad config): reported in one line, never as a stack. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A target could not be rendered; `file` and `line` point at the cause when known. */
export class RenderError extends Error {
  override name = 'RenderError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
  }

  /** "file:line: message", as reviewers read it. */
  describe(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    return where + this.message;
  }
}
