import { z } from 'zod';

/**
 * One node of an OpenAPI v3 schema as `apiextensions.k8s.io/v1` accepts it in a
 * CustomResourceDefinition (a subset of `JSONSchemaProps`).
 */
export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema;
  required?: string[];
  items?: StructuralSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
}

type JsonNode = Record<string, unknown>;

// Formats the API server knows; any other format would be ignored by it, so it is dropped
// rather than suggesting a check that does not happen.
const knownFormats = new Set(['date-time', 'date', 'uri', 'email', 'uuid', 'byte', 'int64']);
const copiedNumbers = [
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;
const scalarTypes = new Set(['string', 'integer', 'number', 'boolean']);

function asNode(value: unknown): JsonNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonNode)
    : {};
}

function preserveUnknown(description: unknown): StructuralSchema {
  const node: StructuralSchema = { 'x-kubernetes-preserve-unknown-fields': true };
  if (typeof description === 'string') node.description = description;
  return node;
}

// A field that two branches spell differently (a discriminator `type: a` against `type: b`)
// must accept both: enums of one type are joined, anything else becomes free-form.
function mergeProperties(branches: JsonNode[]): JsonNode {
  const merged: JsonNode = {};
  for (const properties of branches) {
    for (const [name, schema] of Object.entries(properties)) {
      const earlier = merged[name];
      if (earlier === undefined || JSON.stringify(earlier) === JSON.stringify(schema)) {
        merged[name] = schema;
        continue;
      }
      const [a, b] = [asNode(earlier), asNode(schema)];
      const sameType = a.type === b.type && Array.isArray(a.enum) && Array.isArray(b.enum);
      merged[name] = sameType
        ? { ...a, enum: [...new Set([...(a.enum as unknown[]), ...(b.enum as unknown[])])] }
        : {};
    }
  }
  return merged;
}

/**
 * A union becomes what Kubernetes can say about it: integer or string is
 * `x-kubernetes-int-or-string`; objects are merged into one object whose fields are all
 * optional; anything else is a free-form value. The server's own validation still decides.
 */
function convertUnion(node: JsonNode, branches: JsonNode[]): StructuralSchema {
  const types = new Set(branches.map((branch) => branch.type));
  const nullable = types.delete('null');
  const rest = branches.filter((branch) => branch.type !== 'null');
  let converted: StructuralSchema;
  if (rest.length === 1 && rest[0] !== undefined) {
    converted = convertNode({ description: node.description, ...rest[0] });
  } else if (
    types.size === 2 &&
    types.has('string') &&
    (types.has('integer') || types.has('number'))
  ) {
    converted = { 'x-kubernetes-int-or-string': true };
  } else if (types.size === 1 && types.has('object')) {
    const properties = mergeProperties(rest.map((branch) => asNode(branch.properties)));
    converted = convertNode({ type: 'object', description: node.description, properties });
  } else {
    return preserveUnknown(node.description);
  }
  if (typeof node.description === 'string') converted.description = node.description;
  if (nullable || node.nullable === true) converted.nullable = true;
  return converted;
}

function convertObject(node: JsonNode, result: StructuralSchema): StructuralSchema {
  const properties = asNode(node.properties);
  const names = Object.keys(properties);
  const extra = node.additionalProperties;
  if (names.length === 0 && typeof extra === 'object' && extra !== null) {
    // A map (z.record): structural schemas allow additionalProperties only without properties.
    result.additionalProperties = convertNode(asNode(extra));
    return result;
  }
  result.properties = Object.fromEntries(
    names.map((name) => [name, convertNode(asNode(properties[name]))]),
  );
  const required = Array.isArray(node.required) ? node.required.map(String) : [];
  if (required.length > 0) result.required = required;
  return result;
}

function copyScalarChecks(node: JsonNode, result: StructuralSchema): void {
  for (const key of copiedNumbers) {
    const value = node[key];
    // zod bounds every integer by the safe-integer range; that says nothing to a reader.
    if (typeof value === 'number' && Math.abs(value) !== Number.MAX_SAFE_INTEGER) {
      result[key] = value;
    }
  }
  if (node.exclusiveMinimum === true) result.exclusiveMinimum = true;
  if (node.exclusiveMaximum === true) result.exclusiveMaximum = true;
  const format = typeof node.format === 'string' && knownFormats.has(node.format);
  if (format) result.format = node.format as string;
  // zod spells a date-time as a long pattern too; the API server checks the format itself.
  if (typeof node.pattern === 'string' && !(format && node.format === 'date-time')) {
    result.pattern = node.pattern;
  }
  if (Array.isArray(node.enum)) result.enum = [...node.enum];
}

function convertNode(node: JsonNode): StructuralSchema {
  if (typeof node.$ref === 'string') {
    throw new Error(`a CRD schema cannot hold a $ref (${node.$ref}); inline the schema`);
  }
  const branches = node.anyOf ?? node.oneOf;
  if (Array.isArray(branches)) return convertUnion(node, branches.map(asNode));
  if (Array.isArray(node.allOf) && node.allOf.length === 1) {
    return convertNode({ description: node.description, ...asNode(node.allOf[0]) });
  }

  const type = node.type;
  const result: StructuralSchema = {};
  if (type === 'object') result.type = 'object';
  else if (type === 'array') result.type = 'array';
  else if (typeof type === 'string' && scalarTypes.has(type)) {
    result.type = type as StructuralSchema['type'];
  } else return preserveUnknown(node.description);
  if (typeof node.description === 'string') result.description = node.description;
  if (node.nullable === true) result.nullable = true;
  copyScalarChecks(node, result);

  if (result.type === 'object') return convertObject(node, result);
  if (result.type === 'array') result.items = convertNode(asNode(node.items));
  return result;
}

/**
 * The structural OpenAPI v3 schema of a zod schema, as a CRD needs it: every node typed or
 * marked free-form, no `$ref`, no `additionalProperties` beside `properties` (unknown
 * fields are pruned, or rejected under strict field validation), no defaults (the server
 * applies them, so a stored object keeps what its author wrote). Checks that span fields
 * stay with the server's own validation.
 */
export function toStructuralSchema(schema: z.ZodType): StructuralSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'openapi-3.0',
    unrepresentable: 'any',
    reused: 'inline',
    cycles: 'throw',
  });
  return convertNode(asNode(json));
}
