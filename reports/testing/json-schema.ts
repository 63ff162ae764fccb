// A JSON Schema (2020-12) validator for the subset our schemas use, for tests
// only. An unknown keyword throws instead of being ignored, so the schema can
// never silently claim more than this validator checks.

type Schema = boolean | { readonly [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'format', '$defs']);
const ASSERTIONS = new Set([
  'type',
  'const',
  'enum',
  'minimum',
  'minItems',
  'required',
  'properties',
  'additionalProperties',
  'items',
  '$ref',
  'allOf',
  'if',
  'then',
]);

// Returns one "path: problem" line per violation; empty when the value is valid.
export function validate(schema: unknown, value: unknown): string[] {
  const errors: string[] = [];
  check(asSchema(schema, '#'), value, '$', asSchema(schema, '#'), errors);
  return errors;
}

function check(schema: Schema, value: unknown, path: string, root: Schema, errors: string[]): void {
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${path}: no value is allowed here`);
    return;
  }
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new Error(`unsupported schema keyword "${keyword}" at ${path}`);
  }
  const sub = (keyword: string, at: string): Schema => asSchema(schema[keyword], `${at}/${keyword}`);

  if (schema.$ref !== undefined) check(resolve(root, String(schema.$ref)), value, path, root, errors);
  if (schema.type !== undefined) {
    const types = [schema.type].flat().map(String);
    if (!types.some((type) => hasType(value, type))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${JSON.stringify(value)}`);
      return;
    }
  }
  if ('const' in schema && !sameJson(schema.const, value)) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(option, value))) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) {
    errors.push(`${path}: ${value} is below the minimum ${schema.minimum}`);
  }
  if (typeof schema.minItems === 'number' && Array.isArray(value) && value.length < schema.minItems) {
    errors.push(`${path}: ${value.length} items, fewer than the minimum ${schema.minItems}`);
  }
  if (isObject(value)) checkObject(schema, value, path, root, errors);
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => check(sub('items', path), item, `${path}[${index}]`, root, errors));
  }
  if (Array.isArray(schema.allOf)) {
    schema.allOf.forEach((part, index) => check(asSchema(part, `${path}/allOf/${index}`), value, path, root, errors));
  }
  if (schema.if !== undefined && schema.then !== undefined) {
    const ifErrors: string[] = [];
    check(sub('if', path), value, path, root, ifErrors);
    if (ifErrors.length === 0) check(sub('then', path), value, path, root, errors);
  }
}

function checkObject(schema: Exclude<Schema, boolean>, value: Record<string, unknown>, path: string, root: Schema, errors: string[]): void {
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const name of schema.required.map(String)) if (!(name in value)) errors.push(`${path}: missing required property "${name}"`);
  }
  for (const [name, item] of Object.entries(value)) {
    if (name in properties) check(asSchema(properties[name], `${path}/properties/${name}`), item, `${path}.${name}`, root, errors);
    else if (schema.additionalProperties !== undefined) {
      check(asSchema(schema.additionalProperties, `${path}/additionalProperties`), item, `${path}.${name}`, root, errors);
    }
  }
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, got ${ref}`);
  let target: unknown = root;
  for (const segment of ref.slice(2).split('/')) target = isObject(target) ? target[segment] : undefined;
  if (target === undefined) throw new Error(`unresolved reference ${ref}`);
  return asSchema(target, ref);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'boolean':
    case 'number':
    case 'string':
      return typeof value === type;
    default:
      throw new Error(`unknown type "${type}"`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown, at: string): Schema {
  if (typeof value === 'boolean' || isObject(value)) return value;
  throw new Error(`not a schema at ${at}: ${JSON.stringify(value)}`);
}

// Key order matters to this comparison; it is only used on const/enum scalars.
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
