import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Command } from 'commander';

import { startClientCluster } from '../dev/client-cluster.js';
import type { ServerTlsFiles } from '../tls/index.js';
import { startStandalone } from '../server/standalone.js';
import {
  devGenerator,
  devGeneratorNamespace,
  devManifests,
  devStore,
  devWorkload,
} from './dev-config.js';
import type { CommonServeFlags } from './serve.js';
import {
  addCommonServeOptions,
  runUntilSignal,
  signalOptions,
  standaloneOptions,
} from './serve.js';

interface DevFlags extends CommonServeFlags {
  workDir: string;
}

/** Twelve hours: long enough for an afternoon of trying things, short like a real token. */
const demoTokenLifetimeSec = 12 * 3600;

interface DevFiles {
  tokenFile: string;
  caFile: string;
  configDir: string;
  tls?: ServerTlsFiles;
}

// curl must trust the serving certificate and, with --tls-client-ca, present one of its own.
function tlsCurlFlags(tls: ServerTlsFiles | undefined): { flags: string; notes: string[] } {
  if (tls === undefined) return { flags: '', notes: [] };
  const notes = [
    `  --cacert: the CA that issued ${tls.certFile} (the file itself when self-signed)`,
  ];
  if (tls.clientCaFile === undefined) return { flags: ` --cacert ${tls.certFile}`, notes };
  notes.push(`  --cert/--key: a client certificate issued by ${tls.clientCaFile}`);
  return { flags: ` --cacert ${tls.certFile} --cert CLIENT.crt --key CLIENT.key`, notes };
}

function instructions(url: string, files: DevFiles): string {
  const { tokenFile, caFile, configDir } = files;
  const tls = tlsCurlFlags(files.tls);
  const auth = `-H "Authorization: Bearer $(cat ${tokenFile})"${tls.flags}`;
  return [
    '',
    'The federation server is running with a demo client cluster.',
    `  manifests: ${configDir} (edit them; changes apply within a second)`,
    `  token:     ${tokenFile} (the ServiceAccount token of ${devWorkload.namespace}/${devWorkload.serviceAccount})`,
    ...tls.notes,
    '',
    'Fetch a secret:',
    `  curl -s -X POST ${auth} ${url}/secretstore/${devStore}/secrets/hello`,
    '',
    'Generate a password:',
    `  curl -s -X POST ${auth} ${url}/generators/${devGeneratorNamespace}/Password/${devGenerator}`,
    '',
    'Send the cluster CA in the body, as esi-cli does (needed when a federation pins no caBundle):',
    `  curl -s -X POST ${auth} -d "{\\"ca.crt\\":\\"$(base64 -w0 ${caFile})\\"}" ${url}/secretstore/${devStore}/secrets/db-credentials`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

/**
 * `dev`: the embedded default. Starts a demo client cluster (its own CA, discovery and
 * keys over TLS), writes an example configuration that trusts it, a ready token and the
 * cluster's CA, starts the server on them and prints commands to try.
 */
export function devCommand(): Command {
  const command = new Command('dev')
    .description('try the server: a demo client cluster, an example configuration and a token')
    .option(
      '--work-dir <dir>',
      'where the example manifests, token, CA and state go',
      join(tmpdir(), 'federation-server-dev'),
    );
  addCommonServeOptions(command);
  return command.action(async (flags: DevFlags) => {
    const workDir = resolve(flags.workDir);
    const configDir = join(workDir, 'config');
    const options = standaloneOptions(flags, { configDir, dataDir: join(workDir, 'data') });
    const stopping = signalOptions(flags, options);
    await mkdir(configDir, { recursive: true, mode: 0o700 });

    const cluster = await startClientCluster();
    await writeFile(join(configDir, 'example.yaml'), devManifests(cluster), { mode: 0o600 });
    const token = cluster.mintToken({
      namespace: devWorkload.namespace,
      serviceAccount: devWorkload.serviceAccount,
      pod: { name: devWorkload.pod },
      lifetimeSec: demoTokenLifetimeSec,
    });
    const tokenFile = join(workDir, 'token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    const caFile = join(workDir, 'ca.crt');
    await writeFile(caFile, cluster.caPem, { mode: 0o644 });

    const server = await startStandalone(options);
    console.log(instructions(server.url, { tokenFile, caFile, configDir, tls: options.tls }));
    process.exitCode = await runUntilSignal(server, {
      ...stopping,
      afterClose: () => cluster.close(),
    });
  });
}
