// privacyctl audit verify — check the audit trail's hash chain.
import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { AuditLog } from '../../state/audit.js';
import { StateDir } from '../../state/state-dir.js';
import type { Runner } from '../main.js';

export function registerAudit(program: Command, run: Runner): void {
  const audit = program.command('audit').description('the audit trail (hash-chained, identities hashed)');
  audit
    .command('verify')
    .description('check the hash chain; report the first broken link (exit 1 if broken)')
    .action(
      run(async (ctx) => {
        const log = new AuditLog(new StateDir(ctx.config().stateDir));
        const result = log.verify();
        if (ctx.out.json) await ctx.out.data(`${JSON.stringify({ file: log.file, ...result }, null, 2)}\n`);
        else if (result.ok) await ctx.out.data(`audit trail intact: ${result.entries} entries\n`);
        else await ctx.out.data(`audit trail BROKEN at line ${result.line} of ${result.entries}: ${result.reason}\n`);
        if (!result.ok) ctx.out.error(`the audit trail ${log.file} is broken at line ${result.line}`, 'restore it from a backup, and find out who changed it');
        return result.ok ? ExitCode.OK : ExitCode.OPERATIONAL;
      }),
    );
}
