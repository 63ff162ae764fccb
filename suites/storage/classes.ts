// StorageClasses as the API server sees them: which are default, and with more than one, which one
// a claim without a class actually gets (the DefaultStorageClass admission plugin takes the newest,
// then the first by name), and each class's provisioner, binding mode, reclaim policy and expansion
// with the API defaults made explicit. Pure functions over the objects, unit-tested with fakes.
import type { V1StorageClass } from '@kubernetes/client-node';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
// Still honoured by the admission plugin.
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
// The provisioner of classes for static PVs only (local volumes): nothing runs for it.
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export type BindingMode = 'Immediate' | 'WaitForFirstConsumer';

export function className(sc: V1StorageClass): string {
  return sc.metadata?.name ?? '';
}

// Exactly "true", as the API server compares it.
export function isDefaultClass(sc: V1StorageClass): boolean {
  const annotations = sc.metadata?.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

export function bindingMode(sc: V1StorageClass): BindingMode {
  return sc.volumeBindingMode === 'WaitForFirstConsumer' ? 'WaitForFirstConsumer' : 'Immediate';
}

export function reclaimPolicyOf(sc: V1StorageClass): string {
  return sc.reclaimPolicy ?? 'Delete';
}

export function allowsExpansion(sc: V1StorageClass): boolean {
  return sc.allowVolumeExpansion === true;
}

export interface DefaultResolution {
  verdict: 'none' | 'one' | 'many';
  // Every class marked default, the one a claim gets first.
  defaults: V1StorageClass[];
  // The class a claim without storageClassName gets, if any.
  winner?: V1StorageClass;
}

function created(sc: V1StorageClass): number {
  const t = sc.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}

// As the admission plugin decides: the most recently created default class, ties broken by name.
export function resolveDefault(classes: readonly V1StorageClass[]): DefaultResolution {
  const defaults = classes.filter(isDefaultClass).sort((a, b) => created(b) - created(a) || className(a).localeCompare(className(b)));
  const winner = defaults[0];
  return { verdict: defaults.length === 0 ? 'none' : defaults.length === 1 ? 'one' : 'many', defaults, ...(winner === undefined ? {} : { winner }) };
}

// One line per class: what a person asks about it.
export function classLine(sc: V1StorageClass, winner?: V1StorageClass): string {
  const isDefault = isDefaultClass(sc);
  const mark = isDefault ? (winner !== undefined && className(winner) === className(sc) ? ' (default)' : ' (marked default, not chosen)') : '';
  const parameters = Object.keys(sc.parameters ?? {});
  return `${className(sc)}${mark}: provisioner ${sc.provisioner}, ${bindingMode(sc)}, reclaim ${reclaimPolicyOf(sc)}, expansion ${allowsExpansion(sc) ? 'allowed' : 'not allowed'}${parameters.length > 0 ? `, parameters ${parameters.join(',')}` : ''}`;
}
