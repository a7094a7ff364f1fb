import fc from 'fast-check';

import type { StructuralSchema } from '../../src/resources/crds/index.js';

/** Keys for maps: short, so that values differ more than names do. */
const mapKey = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);

function stringArbitrary(schema: StructuralSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    const times = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01') });
    return times.filter((date) => !Number.isNaN(date.getTime())).map((date) => date.toISOString());
  }
  if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https'] });
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: schema.maxLength ?? 12 });
}

function integerArbitrary(schema: StructuralSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -50;
  const max = schema.maximum ?? Math.max(min + 100, 100);
  // As often just outside a limit as inside: a CRD limit tighter than the server's shows
  // up as a value the server accepts and the API server refuses.
  return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, min, max, max + 1));
}

function objectArbitrary(schema: StructuralSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.additionalProperties !== undefined) {
    return fc.dictionary(mapKey, valueOf(schema.additionalProperties, depth + 1), {
      maxKeys: 3,
    });
  }
  const required = new Set(schema.required ?? []);
  // An optional field is left out half the time: every field present at once would nearly
  // always break one of the server's checks that span fields.
  const entries = Object.entries(schema.properties ?? {}).map(([name, child]) => {
    const value = valueOf(child, depth + 1);
    const maybe = required.has(name) ? value : fc.oneof(fc.constant(absent), value);
    return maybe.map((item) => [name, item] as const);
  });
  if (schema.maxProperties === 1 && entries.length > 0) {
    // A block that holds exactly one of its keys (one provider, one generator spec).
    const single = Object.entries(schema.properties ?? {}).map(([name, child]) =>
      valueOf(child, depth + 1).map((item) => ({ [name]: item })),
    );
    return fc.oneof(...single);
  }
  return fc
    .tuple(...entries)
    .map((pairs) => Object.fromEntries(pairs.filter(([, item]) => item !== absent)));
}

const absent = Symbol('absent');

/**
 * Values shaped by a CRD schema: the right types, enums and patterns, lengths and ranges
 * mostly respected. Enough of them pass the server's own, stricter checks to compare the
 * two validations.
 */
export function valueOf(schema: StructuralSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema['x-kubernetes-int-or-string']) return fc.oneof(fc.integer(), fc.string());
  if (schema['x-kubernetes-preserve-unknown-fields'] && schema.type === undefined) {
    return fc.jsonValue({ maxDepth: 2 });
  }
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueOf(schema.items ?? {}, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return depth > 6 ? fc.constant({}) : objectArbitrary(schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
