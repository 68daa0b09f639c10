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
