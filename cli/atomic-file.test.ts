import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { writeFileAtomically, writeFileIfChanged } from './atomic-file.js';
import { CliError, exitCodes } from './exit-codes.js';

describe('atomic file writing', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esi-atomic-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates parent directories with mode 0700 and the file with mode 0600', async () => {
    const path = join(dir, 'a', 'b', 'secret');
    await writeFileAtomically(path, 'value');
    assert.equal(await readFile(path, 'utf8'), 'value');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700);
  });

  it('replaces the content and the mode of an existing file, leaving no temporary file', async () => {
    const path = join(dir, 'replaced');
    await writeFile(path, 'old content that is longer');
    await chmod(path, 0o644);
    await writeFileAtomically(path, 'new');
    assert.equal(await readFile(path, 'utf8'), 'new');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('fails with exit code 9 naming the path, and cleans up', async () => {
    const blocked = join(dir, 'blocked');
    await mkdir(join(blocked, 'is-a-directory'), { recursive: true });
    const path = join(blocked, 'is-a-directory');
    await assert.rejects(writeFileAtomically(path, 'x'), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.code, exitCodes.injection);
      assert.ok(error.message.includes(path));
      return true;
    });
    assert.deepEqual(await readdir(blocked), ['is-a-directory']);
  });

  it('rewrites a file only when its content changed', async () => {
    const path = join(dir, 'daemon');
    assert.equal(await writeFileIfChanged(path, 'one'), true);
    assert.equal(await writeFileIfChanged(path, 'one'), false);
    assert.equal(await writeFileIfChanged(path, 'two'), true);
    assert.equal(await readFile(path, 'utf8'), 'two');
  });
});
