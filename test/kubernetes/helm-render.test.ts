import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { buildCrds, crdDirectory, crdLayout } from '../../src/resources/crds/index.js';
import { Exchange } from '../../src/server/http/exchange.js';
import { Router } from '../../src/server/http/router.js';
import { healthRoutes } from '../../src/server/routes/health.js';
import {
  chartPath,
  helmUnavailable,
  lintChart,
  renderChart,
  templateChart,
  type ChartValues,
  type Manifest,
} from '../support/helm.js';
import { repoPath } from '../support/repo.js';

interface Probe {
  httpGet: { path: string; port: string; scheme: string };
}

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: {
    requests?: { cpu?: string; memory?: string };
    limits?: { cpu?: string; memory?: string };
  };
  securityContext: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        securityContext: { runAsNonRoot?: boolean };
        containers: Container[];
        volumes: { name: string; secret?: { secretName: string } }[];
      };
    };
  };
}

/** Every option of values.yaml turned on, or away from its default. */
const everyOption: ChartValues = {
  replicaCount: 3,
  image: { repository: 'registry.example/federation-server', tag: '1.2.3', pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'registry' }],
  extraArgs: ['--require-ca-bundle'],
  logLevel: 'debug',
  auditLog: '/var/lib/federation-server/audit.log',
  tls: { enabled: true, secretName: 'federation-tls', clientCaKey: 'ca.crt' },
  service: { type: 'LoadBalancer', port: 8443, annotations: { 'example.com/scheme': 'internal' } },
  containerPort: 9443,
  metrics: {
    enabled: true,
    port: 9191,
    podMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } },
  },
  serviceAccount: { create: true, name: 'federation', annotations: { 'example.com/a': 'b' } },
  rbac: { create: true, secretNamespaces: ['team-a', 'team-b'] },
  crds: { install: true, installSharedWithEso: true },
  podDisruptionBudget: { enabled: true, maxUnavailable: 2 },
  resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  podAnnotations: { 'example.com/team': 'platform' },
  podLabels: { team: 'platform' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'federation', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] },
        ],
      },
    },
  },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'federation-server' } },
    },
  ],
  priorityClassName: 'system-cluster-critical',
};

const behindProxy: ChartValues = { tls: { enabled: false, insecureHttpBehindProxy: true } };

function only<T extends Manifest>(manifests: Manifest[], kind: string): T {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as T;
}

function containerOf(manifests: Manifest[]): Container {
  const containers = only<Deployment>(manifests, 'Deployment').spec.template.spec.containers;
  assert.equal(containers.length, 1);
  return containers[0] as Container;
}

/** The value after `flag` in the arguments, or undefined when the flag is absent. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

function kindsOf(manifests: Manifest[]): string[] {
  return [...new Set(manifests.map((manifest) => manifest.kind))].sort();
}

async function failureOf(values: ChartValues): Promise<string> {
  const result = await templateChart(values);
  assert.notEqual(result.code, 0, 'helm template should fail');
  return result.stderr;
}

describe('Helm chart deploy/helm/federation-server, rendered', { skip: helmUnavailable }, () => {
  for (const [name, values] of [
    ['the default values', {}],
    ['every option turned on', everyOption],
    ['plain HTTP behind a proxy', behindProxy],
  ] as const) {
    it(`passes helm lint --strict with ${name}, reaching no fail of the chart`, async () => {
      const result = await lintChart(values);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
      // In lint mode Helm logs a template's `fail` and carries on, so look for the log.
      assert.doesNotMatch(result.stderr, /funcMap (fail|required)/);
    });
  }

  it('renders with the default values: server, Service, account, roles, budget, CRDs', async () => {
    const manifests = await renderChart();
    assert.deepEqual(kindsOf(manifests), [
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    assert.equal(only<Deployment>(manifests, 'Deployment').spec.replicas, 2);
  });

  it('serves HTTPS by default from the Secret <fullname>-tls, mounted read-only', async () => {
    const manifests = await renderChart({}, 'hub', 'federation');
    const deployment = only<Deployment>(manifests, 'Deployment');
    const container = containerOf(manifests);
    const tls = deployment.spec.template.spec.volumes.find((volume) => volume.name === 'tls');
    assert.equal(tls?.secret?.secretName, 'hub-federation-server-tls');
    const mount = container.volumeMounts.find((volume) => volume.name === 'tls');
    assert.equal(mount?.readOnly, true);
    assert.equal(flagValue(container.args, '--tls-cert'), `${mount?.mountPath}/tls.crt`);
    assert.equal(flagValue(container.args, '--tls-key'), `${mount?.mountPath}/tls.key`);
    assert.ok(!container.args.includes('--insecure-http'));
    assert.equal(container.livenessProbe.httpGet.scheme, 'HTTPS');
  });

  it('probes /healthz and /readyz on the API port, routes the server answers', async () => {
    const container = containerOf(await renderChart());
    const api = container.ports.find((port) => port.name === 'api');
    assert.equal(flagValue(container.args, '--listen'), `0.0.0.0:${api?.containerPort}`);
    const router = new Router(healthRoutes({ readiness: () => [] }));
    for (const [probe, path] of [
      [container.livenessProbe, '/healthz'],
      [container.readinessProbe, '/readyz'],
    ] as const) {
      assert.deepEqual(probe.httpGet, { path, port: 'api', scheme: 'HTTPS' });
      const match = router.match('GET', path);
      assert.ok(match, path);
      assert.equal((await match.route.handle(new Exchange('probe', 'GET', {}, 0n))).status, 200);
    }
  });

  it('runs as non-root on a read-only root, without escalation or capabilities', async () => {
    for (const values of [{}, everyOption]) {
      const manifests = await renderChart(values);
      const pod = only<Deployment>(manifests, 'Deployment').spec.template.spec;
      const security = containerOf(manifests).securityContext;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(security.runAsNonRoot, true);
      assert.equal(security.readOnlyRootFilesystem, true);
      assert.equal(security.allowPrivilegeEscalation, false);
      assert.deepEqual(security.capabilities, { drop: ['ALL'] });
    }
  });

  it('sets the resources of values.yaml: CPU and memory requested, memory limited', async () => {
    const values = parse(readFileSync(join(chartPath, 'values.yaml'), 'utf8')) as ChartValues;
    const resources = containerOf(await renderChart()).resources;
    assert.deepEqual(resources, values.resources);
    assert.ok(resources.requests?.cpu && resources.requests.memory && resources.limits?.memory);
    assert.deepEqual(containerOf(await renderChart(everyOption)).resources, everyOption.resources);
  });

  it('selects its pods from the Service, and runs them as the ServiceAccount', async () => {
    for (const values of [{}, everyOption]) {
      const manifests = await renderChart(values);
      const deployment = only<Deployment>(manifests, 'Deployment');
      const service = only<
        Manifest & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
      >(manifests, 'Service');
      const labels = deployment.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(service.spec.selector))
        assert.equal(labels[key], value);
      assert.deepEqual(deployment.spec.selector.matchLabels, service.spec.selector);
      assert.deepEqual(
        service.spec.ports.map((port) => port.targetPort),
        ['api'],
      );
      const account = only(manifests, 'ServiceAccount');
      assert.equal(deployment.spec.template.spec.serviceAccountName, account.metadata.name);
    }
  });

  it('applies every option: replicas, ports, client CA, metrics, budget, scheduling', async () => {
    const manifests = await renderChart(everyOption);
    const deployment = only<Deployment>(manifests, 'Deployment');
    const container = containerOf(manifests);
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(flagValue(container.args, '--listen'), '0.0.0.0:9443');
    assert.equal(flagValue(container.args, '--tls-client-ca'), '/etc/federation-server/tls/ca.crt');
    assert.equal(flagValue(container.args, '--metrics-listen'), '0.0.0.0:9191');
    assert.equal(flagValue(container.args, '--log-level'), 'debug');
    assert.ok(container.args.includes('--require-ca-bundle'));
    const tls = deployment.spec.template.spec.volumes.find((volume) => volume.name === 'tls');
    assert.equal(tls?.secret?.secretName, 'federation-tls');
    const budget = only<Manifest & { spec: { maxUnavailable: number } }>(
      manifests,
      'PodDisruptionBudget',
    );
    assert.equal(budget.spec.maxUnavailable, 2);
    const pod = deployment.spec.template.spec as unknown as Record<string, unknown>;
    for (const key of [
      'nodeSelector',
      'tolerations',
      'affinity',
      'topologySpreadConstraints',
      'priorityClassName',
    ]) {
      assert.deepEqual(pod[key], everyOption[key], key);
    }
  });

  it('renders a PodMonitor only with metrics and metrics.podMonitor both enabled', async () => {
    const monitors = async (metrics: ChartValues) =>
      (await renderChart({ metrics })).filter((manifest) => manifest.kind === 'PodMonitor');
    assert.equal((await monitors({ enabled: true })).length, 0);
    assert.equal((await monitors({ enabled: false, podMonitor: { enabled: false } })).length, 0);
    const [monitor] = await monitors({
      enabled: true,
      podMonitor: { enabled: true, labels: { release: 'p' } },
    });
    assert.equal(monitor?.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(monitor?.metadata.labels?.release, 'p');
    assert.deepEqual(
      (monitor as unknown as { spec: { podMetricsEndpoints: unknown } }).spec.podMetricsEndpoints,
      [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    );
  });

  it('serves plain HTTP only when told it sits behind a TLS-terminating proxy', async () => {
    const manifests = await renderChart(behindProxy);
    const container = containerOf(manifests);
    assert.ok(container.args.includes('--insecure-http'));
    assert.equal(flagValue(container.args, '--tls-cert'), undefined);
    assert.ok(!container.volumeMounts.some((mount) => mount.name === 'tls'));
    assert.equal(container.readinessProbe.httpGet.scheme, 'HTTP');
  });

  it('passes only flags that docs/cli.md documents for serve', async () => {
    const cli = readFileSync(repoPath('docs', 'cli.md'), 'utf8');
    for (const values of [{}, everyOption, behindProxy]) {
      const flags = containerOf(await renderChart(values)).args.filter((arg) =>
        arg.startsWith('--'),
      );
      for (const flag of flags)
        assert.ok(cli.includes(`\`${flag}`), `${flag} is not in docs/cli.md`);
    }
  });

  it('renders the CRDs of deploy/crds, kept on uninstall', async () => {
    const committed = new Map(
      readdirSync(repoPath(crdDirectory)).map((name) => {
        const crd = parse(readFileSync(repoPath(crdDirectory, name), 'utf8')) as Manifest;
        return [crd.metadata.name, crd];
      }),
    );
    const rendered = (await renderChart()).filter(
      (manifest) => manifest.kind === 'CustomResourceDefinition',
    );
    assert.deepEqual(rendered.map((crd) => crd.metadata.name).sort(), [...committed.keys()].sort());
    for (const crd of rendered) {
      const { annotations, ...metadata } = crd.metadata;
      assert.deepEqual(annotations, { 'helm.sh/resource-policy': 'keep' }, crd.metadata.name);
      assert.deepEqual({ ...crd, metadata }, committed.get(crd.metadata.name));
    }
  });

  it('leaves out the kinds ESO defines with installSharedWithEso false, and all with install false', async () => {
    const names = async (crds: ChartValues) =>
      (await renderChart({ crds }))
        .filter((manifest) => manifest.kind === 'CustomResourceDefinition')
        .map((crd) => crd.metadata.name)
        .sort();
    const ours = buildCrds()
      .filter((crd) => !crdLayout(crd.spec.group, crd.spec.names.kind).sharedWithEso)
      .map((crd) => crd.metadata.name)
      .sort();
    assert.ok(ours.length > 0);
    assert.deepEqual(await names({ installSharedWithEso: false }), ours);
    assert.deepEqual(await names({ install: false }), []);
  });

  it('fails with its own message on settings that cannot work', async () => {
    assert.match(
      await failureOf({ tls: { enabled: false } }),
      /tls\.enabled is false: set tls\.insecureHttpBehindProxy/,
    );
    assert.match(
      await failureOf({ tls: { insecureHttpBehindProxy: true } }),
      /tls\.insecureHttpBehindProxy is set: it needs tls\.enabled false/,
    );
    assert.match(
      await failureOf({
        tls: { enabled: false, insecureHttpBehindProxy: true, clientCaKey: 'ca.crt' },
      }),
      /tls\.clientCaKey is set: client certificates need tls\.enabled/,
    );
    assert.match(
      await failureOf({ metrics: { podMonitor: { enabled: true } } }),
      /metrics\.podMonitor\.enabled needs metrics\.enabled/,
    );
  });
});
