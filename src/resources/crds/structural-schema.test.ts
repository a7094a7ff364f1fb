import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { toStructuralSchema } from './structural-schema.js';

describe('toStructuralSchema', () => {
  it('drops additionalProperties beside properties, and defaults', () => {
    const schema = toStructuralSchema(
      z.strictObject({ length: z.int().min(1).default(24).describe('How long.') }),
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: { length: { type: 'integer', description: 'How long.', minimum: 1 } },
    });
  });

  it('keeps a map as additionalProperties when there are no properties', () => {
    const schema = toStructuralSchema(z.record(z.string(), z.string().min(1)));
    assert.deepEqual(schema, {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
    });
  });

  it('turns an unknown value into a preserved free-form field', () => {
    const schema = toStructuralSchema(z.strictObject({ state: z.unknown().describe('Any.') }));
    assert.deepEqual(schema.properties?.state, {
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'Any.',
    });
    assert.deepEqual(schema.required, ['state']);
  });

  it('turns integer-or-string into x-kubernetes-int-or-string', () => {
    const schema = toStructuralSchema(z.union([z.string(), z.int()]).describe('A port.'));
    assert.deepEqual(schema, { 'x-kubernetes-int-or-string': true, description: 'A port.' });
  });

  it('merges a union of objects into one object with optional fields', () => {
    const schema = toStructuralSchema(
      z.union([z.strictObject({ a: z.string() }), z.strictObject({ b: z.boolean() })]),
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'boolean' } },
    });
  });

  it('joins the discriminators of merged objects, so that every branch stays valid', () => {
    const schema = toStructuralSchema(
      z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('a'), size: z.int() }),
        z.strictObject({ type: z.literal('b'), size: z.string() }),
      ]),
    );
    assert.deepEqual(schema.properties?.type, { type: 'string', enum: ['a', 'b'] });
    assert.deepEqual(schema.properties?.size, { 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('marks a nullable value nullable, keeping its type', () => {
    const schema = toStructuralSchema(z.strictObject({ at: z.string().nullable() }));
    assert.deepEqual(schema.properties?.at, { type: 'string', nullable: true });
  });

  it('makes a union of unrelated types free-form', () => {
    const schema = toStructuralSchema(z.union([z.boolean(), z.array(z.string())]));
    assert.deepEqual(schema, { 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('spells a literal as a one-value enum and keeps a date-time as a format', () => {
    const schema = toStructuralSchema(
      z.strictObject({ kind: z.literal('Password'), at: z.iso.datetime() }),
    );
    assert.deepEqual(schema.properties?.kind, { type: 'string', enum: ['Password'] });
    assert.deepEqual(schema.properties?.at, { type: 'string', format: 'date-time' });
  });

  it('refuses a recursive schema, which a CRD cannot express', () => {
    type Tree = { children: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() => z.strictObject({ children: z.array(tree) }));
    assert.throws(() => toStructuralSchema(tree));
  });
});
