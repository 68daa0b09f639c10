#!/usr/bin/env node
// `npm run docs`: writes docs/rules.md from the rule catalog (built sources).
import { writeFileSync } from 'node:fs';
import { rulesDoc } from '../dist/report/rules-doc.js';

writeFileSync(new URL('../docs/rules.md', import.meta.url), rulesDoc());
console.log('docs/rules.md written');
