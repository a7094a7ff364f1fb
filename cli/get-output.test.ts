import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { dotenvQuote, renderResults, shellQuote } from './get-output.js';
import type { FetchResults } from './key-bag.js';

const tricky = `it's "quoted" \\ $HOME \`x\`\nline two\r!`;

const results: FetchResults = {
  secrets: new Map([
    ['hello', 'world'],
    ['db/credentials', '{"username":"app","password":"p"}'],
  ]),
  generators: new Map([['ns/Fake/f', { token: 't' }]]),
};

const everything = { everything: true, mappings: [] };
const none = { everything: false, mappings: [] };

describe('get output', () => {
  it('prints JSON with secrets as strings and generators by namespace/kind/name', () => {
    assert.deepEqual(JSON.parse(renderResults(results, 'json', everything)), {
      secrets: { hello: 'world', 'db/credentials': '{"username":"app","password":"p"}' },
      generators: { 'ns/Fake/f': { token: 't' } },
    });
  });

  it('prints dotenv and env lines for every key when no spec is given', () => {
    assert.equal(
      renderResults(results, 'dotenv', none),
      'HELLO="world"\nUSERNAME="app"\nPASSWORD="p"\nTOKEN="t"\n',
    );
    assert.equal(
      renderResults(results, 'env', none),
      "export HELLO='world'\nexport USERNAME='app'\nexport PASSWORD='p'\nexport TOKEN='t'\n",
    );
  });

  it('prints only the variables of the specs when given', () => {
    const spec = {
      everything: false,
      mappings: [{ variable: 'USER', key: 'db/credentials.username' }],
    };
    assert.equal(renderResults(results, 'env', spec), "export USER='app'\n");
  });

  it('escapes quotes, backslashes, dollars and line breaks in dotenv values', () => {
    assert.equal(dotenvQuote(tricky), '"it\'s \\"quoted\\" \\\\ \\$HOME `x`\\nline two\\r!"');
    assert.ok(!dotenvQuote(tricky).includes('\n'));
  });

  it('quotes env values so that a POSIX shell reads them back exactly', () => {
    const line = `export VALUE=${shellQuote(tricky)}`;
    const read = execFileSync('sh', ['-c', `${line}\nprintf '%s' "$VALUE"`], { encoding: 'utf8' });
    assert.equal(read, tricky);
  });
});
