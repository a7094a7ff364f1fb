import { Command, type ErrorOptions } from 'commander';

import { genesisHash, readAuditKey, verifyAuditFile } from '../audit/index.js';
import type { AuditKey, VerifyResult } from '../audit/index.js';

/** Usage errors exit 2, so that a script can tell them from a broken file (1). */
class AuditCommand extends Command {
  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(message, { ...errorOptions, exitCode: 2 });
  }
}

interface VerifyFlags {
  prev?: string;
  keyFile?: string;
  findRequestId?: string;
}

/** The one line printed for an intact file. */
function summary(result: VerifyResult, prev: string | undefined): string {
  if (result.lines === 0) {
    return prev === undefined ? 'ok: 0 lines' : `ok: 0 lines, head ${prev}`;
  }
  const parts = [
    `ok: ${result.lines} line${result.lines === 1 ? '' : 's'}`,
    `seq ${result.firstSeq} to ${result.lastSeq}`,
    `head ${result.head}`,
  ];
  if (prev !== undefined) parts.push('follows --prev');
  else if (result.firstPrev !== genesisHash) {
    parts.push(`first prev ${result.firstPrev} not checked (give --prev)`);
  }
  return parts.join(', ');
}

async function keyFor(command: Command, flags: VerifyFlags): Promise<AuditKey | undefined> {
  if (flags.findRequestId === undefined) return undefined;
  if (flags.keyFile === undefined) command.error('error: --find-request-id needs --key-file');
  try {
    return await readAuditKey(flags.keyFile);
  } catch (error) {
    command.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function verifyCommand(): Command {
  const command = new AuditCommand('verify')
    .description(
      'check that an audit log is intact: every line chained to the one before, seq without ' +
        'gaps; exit 0 when intact, 1 when broken, 2 on a usage error or an unreadable file',
    )
    .argument('<file>', 'the audit log to check')
    .option('--prev <hash>', 'head hash of the file before this one (rotated files)')
    .option('--key-file <path>', 'the audit key file, for --find-request-id')
    .option('--find-request-id <id>', 'also print the lines of this request id')
    .exitOverride();
  return command.action(async (file: string, flags: VerifyFlags) => {
    if (flags.prev !== undefined && !/^[0-9a-f]{64}$/.test(flags.prev)) {
      command.error('error: --prev must be 64 lowercase hex digits (a head hash)');
    }
    const key = await keyFor(command, flags);
    const wanted = key && flags.findRequestId && key.digest(flags.findRequestId);

    let result: VerifyResult;
    try {
      result = await verifyAuditFile(file, {
        prev: flags.prev,
        onLine: (line, number, text) => {
          if (wanted !== undefined && line.reqId === wanted) console.log(`line ${number}: ${text}`);
        },
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code ?? String(error);
      console.error(`error: cannot read ${file}: ${code}`);
      process.exitCode = 2;
      return;
    }
    if (result.problem !== undefined) {
      console.log(`broken: line ${result.problem.line}: ${result.problem.message}`);
      process.exitCode = 1;
      return;
    }
    console.log(summary(result, flags.prev));
    process.exitCode = 0;
  });
}

/** `audit`: tools for the audit trail that `serve` writes. */
export function auditCommand(): Command {
  return new AuditCommand('audit')
    .description('work with the audit trail: verify a file')
    .exitOverride()
    .addCommand(verifyCommand());
}
