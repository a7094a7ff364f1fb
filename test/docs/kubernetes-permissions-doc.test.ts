import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { helmUnavailable, renderChart, ruleGrants, type Rule } from '../support/helm.js';
import { repoPath } from '../support/repo.js';

const doc = readFileSync(repoPath('docs', 'kubernetes.md'), 'utf8');

/** The text of `section`: from its heading to the next heading of any level. */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `${heading} is missing`);
  const next = doc.indexOf('\n#', start + heading.length + 2);
  return doc.slice(start, next === -1 ? undefined : next);
}

function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]*)`/g)].map((match) => match[1] ?? '');
}

/** The rules of the Permissions table: API group, resources and verbs as code spans. */
function documentedRules(): Rule[] {
  const rows = section('### Permissions')
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2);
  assert.ok(rows.length > 0, 'the Permissions table has no rows');
  return rows.map((row) => {
    const [group = '', resources = '', verbs = ''] = row.split('|').slice(1);
    const apiGroups = codeSpans(group).map((name) => (name === '""' ? '' : name));
    return { apiGroups, resources: codeSpans(resources), verbs: codeSpans(verbs) };
  });
}

describe('docs/kubernetes.md, Permissions', { skip: helmUnavailable }, () => {
  it("lists the rules of the chart's rendered ClusterRole, no more and no fewer", async () => {
    const roles = (await renderChart()).filter((manifest) => manifest.kind === 'ClusterRole');
    assert.equal(roles.length, 1, 'the chart renders one ClusterRole');
    const [role] = roles as unknown as { rules: Rule[] }[];
    assert.deepEqual(ruleGrants(documentedRules()), ruleGrants(role?.rules ?? []));
  });
});
