import type { StatusReport } from './types.js';

/** One line for platforms whose status has only a short description: the title, and the message when there is one. */
export function statusLine(report: StatusReport, maxChars: number): string {
  const text = report.summary ? `${report.title}: ${report.summary}` : report.title;
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}
