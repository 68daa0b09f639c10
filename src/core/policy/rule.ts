import type { Severity } from '../model.js';

/** What every rule of the catalog says about itself. */
export interface RuleInfo {
  id: string;
  defaultSeverity: Severity;
  /** One line, shown next to findings. */
  summary: string;
  /** Why it matters and how to fix it (`/safe-deploy explain`). */
  explanation: string;
}
