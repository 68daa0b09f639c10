// The deploy target moved to core/target.ts. This re-export serves src/review.ts, which is being
// edited on another branch; delete it once that import points at core/target.js.
export * from '../core/target.js';
