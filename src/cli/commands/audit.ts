import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { atnaDocument } from '../../security/audit/atna.ts';
import type { AuditRecord } from '../../security/audit/audit-entry.ts';
import { verifyAuditChain } from '../../security/audit/audit-verify.ts';
import { openSecurityContext } from './security-context.ts';

/** `readfirst audit verify|export`: check the hash chain; write IHE ATNA XML. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify its hash chain, export it as IHE ATNA XML');
  audit
    .command('verify')
    .description('check every entry; prints where the chain was edited, cut or reordered (exit 1 when it was)')
    .option('--expect-head <seq:hash>', 'the head printed by an earlier verify: detects entries cut from the end')
    .option('--json', 'print the result as JSON')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { expectHead?: string; json?: boolean; config?: string }) => {
      const ctx = await openSecurityContext(opts.config);
      try {
        const all: AuditRecord[] = [];
        for await (const r of ctx.auditLog.all()) all.push(r);
        const result = verifyAuditChain(all, ctx.auditKey);
        if (opts.expectHead) {
          const [seq, hash] = opts.expectHead.split(':');
          const known = all.find((r) => r.seq === Number(seq));
          if (!known || known.hash !== hash) {
            result.ok = false;
            result.problems.push({
              kind: 'deleted',
              afterSeq: result.head?.seq ?? null,
              beforeSeq: Number(seq),
              message: `the recorded head ${opts.expectHead} is not in the log: entries were cut from the end or the log replaced`,
            });
          }
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          for (const p of result.problems) process.stdout.write(`${p.kind.toUpperCase()}: ${p.message}\n`);
          process.stdout.write(
            `${result.ok ? 'OK' : 'BROKEN'}: ${result.entries} entries; head ${result.head ? `${result.head.seq}:${result.head.hash}` : 'none'}\n`,
          );
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        await ctx.close();
      }
    });
  audit
    .command('export')
    .description('write entries as DICOM PS3.15 A.5 / IHE ATNA AuditMessage XML')
    .requiredOption('--out <file>', 'XML file to write')
    .option('--from <iso>', 'first time (ISO 8601)')
    .option('--to <iso>', 'end time, exclusive (ISO 8601)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { out: string; from?: string; to?: string; config?: string }) => {
      const time = (s: string | undefined): number | undefined => {
        if (s === undefined) return undefined;
        const t = Date.parse(s);
        if (Number.isNaN(t)) throw new ReadfirstError('invalid-input', `not a date: ${s}`);
        return t;
      };
      const from = time(opts.from);
      const to = time(opts.to);
      const ctx = await openSecurityContext(opts.config);
      try {
        const rows: AuditRecord[] = [];
        for await (const r of ctx.auditLog.all()) if ((from === undefined || r.at >= from) && (to === undefined || r.at < to)) rows.push(r);
        await writeFile(opts.out, atnaDocument(rows));
        await ctx.audit({
          action: 'export',
          objectType: 'export',
          objectId: opts.out,
          detail: { what: 'audit trail', entries: rows.length },
        });
        process.stdout.write(`wrote ${rows.length} audit messages to ${opts.out}\n`);
      } finally {
        await ctx.close();
      }
    });
}
