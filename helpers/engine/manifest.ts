// A suite declares itself in suites/NAME/manifest.ts: its checks, its options, the permissions it
// needs, what it needs from setup, whether it must run alone, and the images it uses. The engine
// derives preflight, --help, `list`, `images` and RBAC rules from these declarations, and checks at
// load time that the suite file defines exactly the checks its manifest declares.
import type { ValueType } from '../config-values.ts';

// A check as its manifest declares it, once, under a stable key: the suite file implements it by
// the declaration (check(manifest.check.apiHealth, body)), never by retyping its title; list, help,
// profiles, selection and reports read its title from here.
export interface CheckSpec {
  // As reported: the titles of enclosing groups and the check's, joined with " › ". Reports,
  // waivers and baselines key on it: it never holds changing data.
  title: string;
  // One line: what the check proves.
  description: string;
  // vitest's timeout for the check (the body stops a little before it, budgetOf in check.ts).
  timeoutMs?: number;
  // Runs alone, not beside the suite's other checks (it changes shared state).
  sequential?: boolean;
}

export interface CheckDeclaration extends CheckSpec {
  // The key the manifest declares it under: stable, camelCase, what profiles name.
  id: string;
}

// A suite option: read like an engine setting (flag, then environment, then config file, then
// default), resolved before anything touches the cluster, handed to the suite through the run context.
export interface SuiteOption<T, D extends T | undefined = T | undefined> {
  // The config file key (a flat key beside the engine's settings, e.g. "dnsQueries").
  key: string;
  flag: string;
  env: string;
  type: ValueType<T>;
  default: D;
  describe: string;
}

// Where a namespaced permission applies: the run's own namespaces (which do not exist yet when
// preflight asks), every namespace, or one named namespace. Cluster-scoped resources use 'cluster'.
export type Scope = 'run' | 'cluster' | { namespace: string };

export interface ResourcePermission {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  // One object by name (an RBAC rule's resourceNames), for verbs that name it (get, bind, ...).
  name?: string;
  scope: Scope;
  why: string;
}

// A URL of the API server outside the resource tree (/readyz, /metrics, /version).
export interface UrlPermission {
  url: string;
  verb: 'get';
  why: string;
}

export type SuitePermission = ResourcePermission | UrlPermission;

// 'fleet': the shared probe fleet in the run namespace; 'namespaces': namespaces of its own, with
// their pods. None of them (an empty list): read-only, creates nothing, needs no write permission.
export type SetupNeed = 'fleet' | 'namespaces';

// Services of the engine a suite reads from the run context: 'network-plugin', the plugin detected
// once per run (network-plugin-service.ts).
export type EngineService = 'network-plugin';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOption = SuiteOption<any, any>;
export type OptionsShape = Readonly<Record<string, AnyOption>>;

export interface SuiteManifest<O extends OptionsShape = OptionsShape, K extends string = string> {
  name: string;
  description: string;
  // Every check, in the order the manifest declares them.
  checks: readonly CheckDeclaration[];
  // The same declarations by key: what the suite file implements and profiles name.
  check: Readonly<Record<K, CheckDeclaration>>;
  options: O;
  permissions: readonly SuitePermission[];
  setup: readonly SetupNeed[];
  // Runs alone: no other suite at the same time (it changes what others would observe).
  exclusive: boolean;
  // Images the suite runs beyond the probe image.
  images: readonly string[];
  // Engine services it reads from the run context; the engine asks for their permissions.
  uses?: readonly EngineService[];
}

export type OptionValue<S> = S extends SuiteOption<infer T, infer D> ? (undefined extends D ? T | undefined : T) : never;
export type OptionValues<O extends OptionsShape> = { -readonly [K in keyof O]: OptionValue<O[K]> };

// Resolved options of the chosen suites, by suite name then option name: plain data, so it travels
// to the suite workers through vitest's provide/inject.
export type ResolvedOptions = Record<string, Record<string, unknown>>;

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

export function option<T, const D extends T | undefined>(spec: SuiteOption<T, D>): SuiteOption<T, D> {
  return spec;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

// A manifest as a suite writes it: its checks by key.
export interface ManifestInput<O extends OptionsShape, K extends string> extends Omit<SuiteManifest<O, K>, 'checks' | 'check'> {
  checks: Readonly<Record<K, CheckSpec>>;
}

export function defineManifest<const O extends OptionsShape, const K extends string>(input: ManifestInput<O, K>): SuiteManifest<O, K> {
  const checks = Object.entries<CheckSpec>(input.checks).map(([id, spec]): CheckDeclaration => Object.freeze({ id, ...spec }));
  const manifest: SuiteManifest<O, K> = {
    ...input,
    checks,
    check: Object.fromEntries(checks.map((declared) => [declared.id, declared])) as Record<K, CheckDeclaration>,
  };
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new ManifestError(`manifest of suite "${manifest.name}": ${problems.join('; ')}`);
  return manifest;
}

// The declaration a manifest holds under a key that is data (a case's id) rather than code: one it
// does not hold is a ManifestError naming the suite and the key, when the suite file is collected.
export function declaredCheck(manifest: Pick<SuiteManifest, 'name' | 'check'>, id: string): CheckDeclaration {
  const declared = Object.hasOwn(manifest.check, id) ? manifest.check[id] : undefined;
  if (declared === undefined) throw new ManifestError(`manifest of suite "${manifest.name}" declares no check "${id}"`);
  return declared;
}

export function manifestProblems(manifest: SuiteManifest): string[] {
  const problems: string[] = [];
  if (!NAME.test(manifest.name)) problems.push(`name "${manifest.name}" is not lowercase letters, digits and dashes`);
  if (manifest.description.trim() === '' || manifest.description.includes('\n')) problems.push('the description must be one non-empty line');
  const titles = new Set<string>();
  for (const declared of manifest.checks) {
    if (titles.has(declared.title)) problems.push(`check "${declared.title}" is declared twice`);
    titles.add(declared.title);
    if (declared.title.trim() === '' || declared.title.includes('\n')) problems.push(`check ${declared.id} needs a one-line title`);
    if (declared.description.trim() === '' || declared.description.includes('\n')) problems.push(`check "${declared.title}" needs a one-line description`);
    if (declared.timeoutMs !== undefined && !(Number.isInteger(declared.timeoutMs) && declared.timeoutMs > 0))
      problems.push(`check "${declared.title}": timeoutMs must be a positive whole number of milliseconds`);
  }
  for (const [id, declared] of Object.entries(manifest.check)) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(id)) problems.push(`check key "${id}" is not camelCase`);
    if (!manifest.checks.includes(declared)) problems.push(`check key "${id}" is not one of the declared checks`);
  }
  for (const [name, spec] of Object.entries(manifest.options)) {
    if (!/^[a-z][a-z0-9-]*$/.test(spec.flag)) problems.push(`option ${name}: flag "${spec.flag}" is not lowercase words with dashes`);
    if (!/^SHAKEDOWN_[A-Z0-9_]+$/.test(spec.env)) problems.push(`option ${name}: environment variable "${spec.env}" must start with SHAKEDOWN_`);
    if (!/^[a-z][A-Za-z0-9]*$/.test(spec.key)) problems.push(`option ${name}: config key "${spec.key}" is not camelCase`);
  }
  for (const permission of manifest.permissions) {
    if (permission.why.trim() === '') problems.push(`permission ${describeSuitePermission(permission)} needs a reason`);
    if ('url' in permission && !permission.url.startsWith('/')) problems.push(`URL ${permission.url} must start with /`);
  }
  if (manifest.images.some((image) => image.trim() === '')) problems.push('an image reference is empty');
  return problems;
}

// The resolved options of one suite, typed by its manifest: `suiteOptions(c.run, manifest).queries`.
export function suiteOptions<O extends OptionsShape>(run: { options: ResolvedOptions }, manifest: SuiteManifest<O>): OptionValues<O> {
  const values = run.options[manifest.name];
  if (values === undefined) throw new Error(`no options resolved for suite "${manifest.name}": it was not chosen for this run`);
  return values as OptionValues<O>;
}

// Every option at its default (a run started from code, a test).
export function defaultOptions(manifests: readonly SuiteManifest[]): ResolvedOptions {
  return Object.fromEntries(
    manifests.map((m) => [m.name, Object.fromEntries(Object.entries(m.options).map(([name, spec]) => [name, spec.default as unknown]))]),
  );
}

export function describeSuitePermission(permission: SuitePermission): string {
  if ('url' in permission) return `${permission.verb} ${permission.url}`;
  const resource = `${permission.resource}${permission.subresource === undefined ? '' : `/${permission.subresource}`}`;
  const group = permission.group === undefined || permission.group === '' ? '' : ` (${permission.group})`;
  return `${permission.verb} ${resource}${group}`;
}

// Compares the checks a suite file defines with those its manifest declares; the problems, if any.
export function checkDrift(manifest: SuiteManifest, defined: readonly Pick<CheckDeclaration, 'title' | 'description'>[]): string[] {
  const declared = new Map(manifest.checks.map((c) => [c.title, c]));
  const seen = new Map(defined.map((c) => [c.title, c]));
  const problems: string[] = [];
  const twice = new Set(defined.filter((check, i) => defined.findIndex((other) => other.title === check.title) !== i).map((check) => check.title));
  for (const title of twice) problems.push(`check "${title}" is implemented twice`);
  for (const check of defined) {
    const declaration = declared.get(check.title);
    if (declaration === undefined) problems.push(`check "${check.title}" is defined but not declared in the manifest`);
    else if (check.description !== '' && check.description !== declaration.description) {
      problems.push(`check "${check.title}" is described differently in the suite ("${check.description}") and in the manifest ("${declaration.description}")`);
    }
  }
  for (const title of declared.keys()) if (!seen.has(title)) problems.push(`check "${title}" is declared in the manifest but never defined`);
  return problems;
}
