// A comment of the merge request thread, as commands and the review job read it.
export interface ThreadComment {
  id: string | number;
  body: string;
  author: string;
  /** Written by this bot (its App, token user or CI identity): only such comments are edited or trusted. */
  own: boolean;
}
