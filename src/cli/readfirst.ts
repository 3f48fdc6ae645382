#!/usr/bin/env node
import { Command } from 'commander';
import { errorMessage, isReadfirstError } from '../core/errors.ts';
import { registerImport } from './commands/import.ts';
import { registerServe } from './commands/serve.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerDemo } from './commands/demo.ts';
import { registerUser } from './commands/user.ts';
import { registerEval } from './commands/eval.ts';
import { registerToken } from './commands/token.ts';
import { registerAudit } from './commands/audit.ts';
import { registerExport } from './commands/export.ts';
import { registerLabels } from './commands/labels.ts';
import { registerReport } from './commands/report.ts';
import { registerModels } from './commands/models.ts';
import { registerAnalyse } from './commands/analyse.ts';

/** `readfirst <command>`: thin commands over the same modules the server runs. */
const program = new Command('readfirst').description('AI triage for radiology');
registerServe(program);
registerSimulate(program);
registerDemo(program);
registerImport(program);
registerUser(program);
registerEval(program);
registerToken(program);
registerAudit(program);
registerExport(program);
registerLabels(program);
registerReport(program);
registerModels(program);
registerAnalyse(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`readfirst: ${errorMessage(e)}\n`);
  process.exit(isReadfirstError(e) && e.code === 'config' ? 78 : 1);
});
