import { exitCodeTable } from './exit-codes.js';
import type { CommandName } from './flags.js';

function exitCodeSection(): string[] {
  const rows = exitCodeTable.map(([code, meaning]) => `  ${String(code).padStart(2)}  ${meaning}`);
  return ['Exit codes:', ...rows, '  After the program starts, its exit code is passed through.'];
}

const runExamples = [
  'Examples:',
  '  # fetch two secrets and a password, then run the app with them in its environment',
  '  esi-cli --federated-server-url https://hub.example.com \\',
  '    --federated-store main --external-secrets db/credentials,api-key \\',
  '    --federated-generators app-ns/Password/db-password \\',
  '    --inject-on-env DB_USER=db/credentials.username,API_KEY=api-key,DB_PASSWORD=password \\',
  '    -- /app/server --port 8080',
  '',
  '  # init container: write a file and exit',
  '  esi-cli --federated-server-url https://hub.example.com --federated-store main \\',
  '    --external-secrets tls-cert --inject-on-file /secrets/tls.json=tls-cert',
  '',
  '  # sidecar: keep the file fresh every 5 minutes',
  '  esi-cli --mode daemon --daemon-refresh-interval 5m ... --inject-on-file /secrets/key=api-key',
  '',
  '  # look at what a service account gets',
  '  esi-cli get --federated-store main --external-secrets api-key --output env',
];

const getExamples = [
  'Examples:',
  '  esi-cli get --federated-server-url https://hub.example.com --federated-token ./token \\',
  '    --federated-store main --external-secrets db/credentials',
  '  eval "$(esi-cli get ... --inject-on-env \'*\' --output env)"',
];

/**
 * The text after the flags in `--help`: variables, the exit code table and examples.
 * Each flag is also read from ESI_ + its name upper-cased with - as _.
 */
export function helpTextAfter(command: CommandName): string {
  const lines = [
    '',
    'Every flag can also be set by its environment variable (shown above); the flag wins.',
    'Lists (names, refs, specs) are comma-separated; durations are Go-style (500ms, 30s, 1h30m).',
    '',
    ...exitCodeSection(),
    '',
    ...(command === 'get' ? getExamples : runExamples),
  ];
  if (command === 'run') {
    lines.push('', 'Run "esi-cli get --help" for the get form, which prints instead of running.');
  }
  return `${lines.join('\n')}\n`;
}
