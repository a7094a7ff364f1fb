/** The two forms of esi-cli: run (init or daemon mode) and `get`, which prints for people. */
export type CommandName = 'run' | 'get';

/** One flag of esi-cli, with the environment variable that mirrors it. */
export interface FlagDefinition {
  /** The long name without dashes, e.g. `federated-store`. */
  readonly name: string;
  /** Placeholder of the value in the help; absent for a boolean flag. */
  readonly placeholder?: string;
  readonly description: string;
  /** The value used when neither the flag nor its environment variable is set. */
  readonly defaultValue?: string;
  /** Given several times, the values add up (each may also be comma-separated). */
  readonly repeatable?: boolean;
  readonly commands: readonly CommandName[];
}

/** Where the service account token and CA are mounted in every pod. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

const both: readonly CommandName[] = ['run', 'get'];
const runOnly: readonly CommandName[] = ['run'];
const getOnly: readonly CommandName[] = ['get'];

/** Every flag, in the order of the help. */
export const flagDefinitions: readonly FlagDefinition[] = [
  {
    name: 'federated-server-url',
    placeholder: 'url',
    description: 'base URL of the federation server, http or https (required to fetch)',
    commands: both,
  },
  {
    name: 'federated-token',
    placeholder: 'path',
    description: 'ServiceAccount token file, read again before every request',
    defaultValue: `${serviceAccountDir}/token`,
    commands: both,
  },
  {
    name: 'federated-ca-crt',
    placeholder: 'path',
    description: 'CA of this cluster, sent as ca.crt (nothing is sent when the default is absent)',
    defaultValue: `${serviceAccountDir}/ca.crt`,
    commands: both,
  },
  {
    name: 'federated-server-ca',
    placeholder: 'path',
    description: 'PEM CA to trust the federation server over HTTPS (system roots otherwise)',
    commands: both,
  },
  {
    name: 'federated-store',
    placeholder: 'name',
    description: 'ClusterSecretStore that --external-secrets are read from',
    commands: both,
  },
  {
    name: 'external-secrets',
    placeholder: 'names',
    description: 'secrets to read from the store; comma-separated, repeatable',
    repeatable: true,
    commands: both,
  },
  {
    name: 'federated-generators',
    placeholder: 'refs',
    description: 'generators to run, as namespace/kind/name; comma-separated, repeatable',
    repeatable: true,
    commands: both,
  },
  {
    name: 'inject-on-env',
    placeholder: 'specs',
    description: '* (every key), ENV=key or ENV=key.property; comma-separated, repeatable',
    repeatable: true,
    commands: both,
  },
  {
    name: 'inject-on-file',
    placeholder: 'specs',
    description: 'PATH=key or PATH=key.property: write the value to PATH (mode 0600)',
    repeatable: true,
    commands: runOnly,
  },
  {
    name: 'mode',
    placeholder: 'mode',
    description: 'init: fetch, then run the program; daemon: keep the files fresh',
    defaultValue: 'init',
    commands: runOnly,
  },
  {
    name: 'daemon-refresh-interval',
    placeholder: 'duration',
    description: 'daemon mode: time between two refreshes of the store secrets',
    defaultValue: '1m',
    commands: runOnly,
  },
  {
    name: 'binary-path',
    placeholder: 'path',
    description: 'program to run in init mode (or give it after --)',
    commands: runOnly,
  },
  {
    name: 'args',
    placeholder: 'args',
    description: 'arguments of --binary-path, comma-joined',
    commands: runOnly,
  },
  {
    name: 'revoke-on-exit',
    description: 'revoke the generated credentials when the program exits (daemon: on SIGTERM)',
    commands: runOnly,
  },
  {
    name: 'output',
    placeholder: 'format',
    description: 'json, dotenv or env',
    defaultValue: 'json',
    commands: getOnly,
  },
  {
    name: 'verbose',
    description: 'one stderr line per HTTP request: method, path, status, duration',
    commands: both,
  },
  {
    name: 'retries',
    placeholder: 'n',
    description: 'extra attempts after a network error, a timeout, a 5xx or a 429',
    defaultValue: '4',
    commands: both,
  },
  {
    name: 'retry-initial-delay',
    placeholder: 'duration',
    description: 'delay before the first retry, doubled for each next one (with jitter)',
    defaultValue: '250ms',
    commands: both,
  },
  {
    name: 'retry-max-delay',
    placeholder: 'duration',
    description: 'longest delay between two attempts (also caps Retry-After)',
    defaultValue: '5s',
    commands: both,
  },
  {
    name: 'request-timeout',
    placeholder: 'duration',
    description: 'time limit of one attempt',
    defaultValue: '10s',
    commands: both,
  },
];

/** `federated-server-url` → `ESI_FEDERATED_SERVER_URL`. */
export function envVarOf(name: string): string {
  return `ESI_${name.toUpperCase().replaceAll('-', '_')}`;
}

/** The flags of one command. */
export function flagsOf(command: CommandName): FlagDefinition[] {
  return flagDefinitions.filter((flag) => flag.commands.includes(command));
}
