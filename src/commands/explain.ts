import { stat } from 'node:fs/promises';

import { Command, Option, type ErrorOptions } from 'commander';

import {
  countGrants,
  explainIdentity,
  type Explanation,
  type FederationCheck,
  type GrantList,
} from '../authz/index.js';
import { KubeApi } from '../kubernetes/index.js';
import { ApiSecretReader } from '../providers/api-secret-reader.js';
import { watchKubernetes } from '../resources/kubernetes/index.js';
import type { KubernetesConfig, KubernetesWatcher } from '../resources/kubernetes/index.js';
import {
  formatProblem,
  loadConfigDir,
  SnapshotBuilder,
  sortProblems,
  type Problem,
} from '../resources/index.js';

/** What `explain` is asked. */
export interface ExplainOptions {
  configDir: string;
  issuer: string;
  subject: string;
  federation?: string;
}

/** The explanation, and every problem of the config dir (errors and warnings). */
export interface ExplainResult {
  explanation: Explanation;
  problems: Problem[];
}

/** Version of the JSON shape; bumped only when a field changes meaning or goes away. */
const jsonVersion = 1;

/**
 * Loads `configDir` as `serve` would (same validation, same snapshot) and explains the
 * identity with the server's own authorization index.
 */
export async function explainConfigDir(options: ExplainOptions): Promise<ExplainResult> {
  const load = await loadConfigDir(options.configDir);
  const builder = new SnapshotBuilder();
  const build = builder.build(load.documents);
  await builder.close();

  const query = { issuer: options.issuer, subject: options.subject };
  const explanation = explainIdentity(
    build.snapshot,
    options.federation === undefined ? query : { ...query, federation: options.federation },
  );
  const problems = sortProblems([...load.problems, ...load.warnings, ...build.problems]);
  return { explanation, problems };
}

/** How long `explain --kubeconfig` waits for its first list of every kind; ms. */
const kubernetesListTimeoutMs = 20_000;

/**
 * Lists the hub's custom resources as Kubernetes mode does (same validation, same
 * snapshot) and explains the identity. Rejects with a one-line error when some kind cannot
 * be listed in time, naming the collections it still waited for.
 */
export async function explainKubernetes(
  options: Omit<ExplainOptions, 'configDir'> & { kubeconfig: string },
): Promise<ExplainResult> {
  const api = KubeApi.connect({ kubeconfig: options.kubeconfig });
  let lastReason = 'none';
  const quiet = {
    info: () => undefined,
    warn: (object: { reason?: unknown }) => {
      if (typeof object.reason === 'string') lastReason = object.reason;
    },
    error: () => undefined,
  };
  let watcher: KubernetesWatcher | undefined;
  try {
    const config = await new Promise<KubernetesConfig>((resolve, reject) => {
      const timer = setTimeout(() => {
        const waiting = watcher?.waitingFor().join(', ') ?? 'everything';
        reject(
          new Error(
            `could not list ${waiting} within ${kubernetesListTimeoutMs / 1000} s ` +
              `(last failure: ${lastReason})`,
          ),
        );
      }, kubernetesListTimeoutMs);
      watcher = watchKubernetes(api, {
        logger: quiet,
        secrets: new ApiSecretReader(api),
        onChange: (first) => {
          clearTimeout(timer);
          resolve(first);
        },
      });
    });
    const query = { issuer: options.issuer, subject: options.subject };
    const explanation = explainIdentity(
      config.snapshot,
      options.federation === undefined ? query : { ...query, federation: options.federation },
    );
    return { explanation, problems: [...config.report.problems, ...config.report.warnings] };
  } finally {
    await watcher?.close();
    await api.close();
  }
}

/** The stable JSON document of `--output json`. */
export function explanationJson(result: ExplainResult): string {
  const { explanation } = result;
  const document = {
    version: jsonVersion,
    issuer: explanation.issuer,
    subject: explanation.subject,
    federation: explanation.federation,
    allowed: explanation.allowed,
    verdict: explanation.verdict,
    problems: result.problems.map(formatProblem),
    federations: explanation.federations,
    authorizations: explanation.authorizations,
    grants: explanation.grants,
  };
  return JSON.stringify(document, null, 2);
}

/** Rows aligned in columns; the last column is left ragged. */
function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    (indent + row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')).trimEnd(),
  );
}

function describeIssuer(check: FederationCheck): string {
  if (check.issuer === null) return 'from the discovery document (not checked offline)';
  return check.issuerMatches ? `${check.issuer} (matches)` : `${check.issuer}: never this issuer`;
}

function federationLines(check: FederationCheck): string[] {
  if (!check.isCandidate) {
    return [`  ${check.name}: never checked: no Authorization with this issuer names it`];
  }
  if (!check.exists) {
    return [
      `  ${check.name}: does not exist; Authorizations naming it grant nothing until it does`,
      ...table([['authorizations', check.authorizations.join(', ') || 'none']], '    '),
    ];
  }
  const rows = [['url', check.url ?? '']];
  if (check.jwksURL !== null) rows.push(['jwksURL', check.jwksURL]);
  rows.push(
    [
      'caBundle',
      check.isCaBundlePinned
        ? 'pinned'
        : 'not pinned: keys are fetched trusting the ca.crt the caller sends',
    ],
    ['issuer', describeIssuer(check)],
    [
      'audiences',
      check.audiences === null
        ? 'not checked'
        : `aud must hold one of ${check.audiences.join(', ')}`,
    ],
    ['authorizations', check.authorizations.join(', ') || 'none for this subject'],
  );
  return [`  ${check.name}`, ...table(rows, '    ')];
}

function authorizationLines(explanation: Explanation): string[] {
  if (explanation.authorizations.length === 0) return ['  none matches this issuer and subject'];
  const rows = explanation.authorizations.flatMap((verdict) => {
    const [first = '', ...more] = verdict.reasons;
    const rest = more.map((reason) => ['', `and ${reason}`]);
    if (!verdict.matches) return [[verdict.name, `does not match because ${first}`], ...rest];
    const through = `matches through ${verdict.federation}`;
    const head = first === '' ? through : `${through}, but grants nothing: ${first}`;
    return [[verdict.name, head], ...rest];
  });
  return table(rows, '  ');
}

function grantRows(grants: GrantList): string[][] {
  const names = (item: { grantedBy: { authorization: string }[] }): string =>
    [...new Set(item.grantedBy.map((reason) => reason.authorization))].join(', ');
  const missing = 'does not exist';
  return [
    ['what', 'name', 'status', 'granted by'],
    ...grants.clusterSecretStores.map((store) => [
      'ClusterSecretStore',
      store.name,
      store.exists ? `provider ${store.provider ?? ''}` : missing,
      names(store),
    ]),
    ...grants.generators.map((generator) => [
      'generator',
      `${generator.namespace}/${generator.kind}/${generator.name}`,
      !generator.exists
        ? missing
        : generator.kind === 'ClusterGenerator'
          ? `runs ${generator.generatorKind ?? ''}`
          : 'exists',
      names(generator),
    ]),
    ...grants.generatorStates.map((state) => [
      'generator state',
      state.namespace,
      '',
      names(state),
    ]),
  ];
}

function grantSections(explanation: Explanation): string[][] {
  const granting = explanation.federations.filter((check) => countGrants(check.grants) > 0);
  if (granting.length === 0) return [['Grants', '  none']];
  return granting.map((check) => [
    granting.length === 1
      ? `Grants through ${check.name}`
      : `Grants through ${check.name} (only for tokens that ${check.name} verifies)`,
    ...table(grantRows(check.grants), '  '),
  ]);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function resultLines(explanation: Explanation): string[] {
  if (!explanation.allowed) return [`Result: ${explanation.verdict}`];
  const { clusterSecretStores, generators, generatorStates } = explanation.grants;
  const counts = [
    plural(clusterSecretStores.length, 'ClusterSecretStore'),
    plural(generators.length, 'generator'),
    plural(generatorStates.length, 'generator-state namespace'),
  ].join(', ');
  const lines = [`Result: allowed: ${counts}`];
  const absent =
    clusterSecretStores.filter((store) => !store.exists).length +
    generators.filter((generator) => !generator.exists).length;
  if (absent === 1) lines.push('        1 grant names an object that does not exist');
  if (absent > 1) lines.push(`        ${absent} grants name objects that do not exist`);
  return lines;
}

/** The human-readable answer: short sections, aligned columns. */
export function explanationText(result: ExplainResult): string {
  const { explanation } = result;
  const lines = [
    'Identity',
    ...table(
      [
        ['issuer', explanation.issuer],
        ['subject', explanation.subject],
      ],
      '  ',
    ),
    '',
    'Federations',
  ];
  if (explanation.federations.length === 0) {
    lines.push('  none: no Authorization names this issuer, so its tokens are refused');
  } else {
    lines.push(
      explanation.federation === null
        ? '  a token is checked against each in this order; the first that verifies it decides'
        : '  narrowed to one federation by --federation',
    );
    for (const check of explanation.federations) lines.push(...federationLines(check));
  }
  lines.push('', 'Authorizations', ...authorizationLines(explanation));
  for (const section of grantSections(explanation)) lines.push('', ...section);
  lines.push('', ...resultLines(explanation));
  return lines.join('\n');
}

/** Usage errors exit 2, so that a script can tell them from a denial (1). */
class ExplainCommand extends Command {
  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(message, { ...errorOptions, exitCode: 2 });
  }
}

interface ExplainFlags extends Omit<ExplainOptions, 'configDir'> {
  configDir?: string;
  kubeconfig?: string;
  output: 'text' | 'json';
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** `explain`: exit 0 when the identity holds a grant, 1 when denied, 2 on a usage error. */
export function explainCommand(): Command {
  const command = new ExplainCommand('explain')
    .description(
      'show which federations, Authorizations, stores and generators an identity can use, ' +
        'and why; exit 0 when it holds a grant, 1 when denied, 2 on a usage error',
    )
    .option('--config-dir <dir>', 'directory of manifests (*.yaml, *.yml, *.json)')
    .option('--kubeconfig <path>', "the hub cluster's kubeconfig: explain its custom resources")
    .requiredOption('--issuer <iss>', 'the token issuer (iss) to explain')
    .requiredOption('--subject <sub>', 'the token subject (sub), e.g. system:serviceaccount:ns:sa')
    .option('--federation <name>', 'only explain tokens verified through this federation')
    .addOption(
      new Option('--output <format>', 'text for people, json for scripts')
        .choices(['text', 'json'])
        .default('text'),
    );
  return command.action(async (flags: ExplainFlags) => {
    if (flags.issuer === '' || flags.subject === '') {
      command.error('error: --issuer and --subject must not be empty');
    }
    if ((flags.configDir === undefined) === (flags.kubeconfig === undefined)) {
      command.error('error: give one of --config-dir and --kubeconfig');
    }
    if (flags.configDir !== undefined && !(await isDirectory(flags.configDir))) {
      command.error(`error: config dir ${flags.configDir} is not a readable directory`);
    }

    const result =
      flags.kubeconfig === undefined
        ? await explainConfigDir({ ...flags, configDir: flags.configDir ?? '' })
        : await explainKubernetes({ ...flags, kubeconfig: flags.kubeconfig });
    for (const problem of result.problems) console.error(`warning: ${formatProblem(problem)}`);
    console.log(flags.output === 'json' ? explanationJson(result) : explanationText(result));
    process.exitCode = result.explanation.allowed ? 0 : 1;
  });
}
