// RBAC's matching of a request against the rules a SelfSubjectRulesReview returns, client-side and
// pure. It follows the API server's own evaluation (k8s.io/kubernetes pkg/apis/rbac/v1,
// evaluation_helpers.go): "*" matches every verb, API group and resource (subresources included);
// a resource "*/scale" matches the subresource scale of any resource, but "pods/*" and "*/*" are
// literal names, not patterns (upstream refuses them on purpose: kubernetes/kubernetes#78936); a
// rule listing resourceNames never grants a request that names no object; a non-resource URL
// ending in "*" matches every path it prefixes. It answers "granted" or "not shown granted": the
// rules of a review may be incomplete, so a caller asks a SelfSubjectAccessReview for the rest.

// authorization.k8s.io/v1 ResourceRule and NonResourceRule, as a SelfSubjectRulesReview returns them.
export interface ResourceRule {
  verbs: readonly string[];
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
}

export interface NonResourceRule {
  verbs: readonly string[];
  nonResourceURLs?: readonly string[];
}

// What a review says the user may do in one namespace (and cluster-wide, through ClusterRoleBindings).
export interface SubjectRules {
  resourceRules: readonly ResourceRule[];
  nonResourceRules: readonly NonResourceRule[];
  // Another authorizer (a webhook, the node authorizer) took part and cannot list its rules: it may
  // allow more, or deny what RBAC allows.
  incomplete: boolean;
  evaluationError?: string;
}

export interface ResourceRequest {
  verb: string;
  // '' for the core group.
  group: string;
  resource: string;
  subresource?: string;
  // The object's name, when the request is for one object.
  name?: string;
}

export interface UrlRequest {
  verb: string;
  path: string;
}

const ALL = '*';

function verbMatches(verbs: readonly string[], verb: string): boolean {
  return verbs.some((v) => v === ALL || v === verb);
}

function groupMatches(groups: readonly string[], group: string): boolean {
  return groups.some((g) => g === ALL || g === group);
}

function resourceMatches(resources: readonly string[], resource: string, subresource: string | undefined): boolean {
  const combined = subresource === undefined || subresource === '' ? resource : `${resource}/${subresource}`;
  return resources.some((r) => r === ALL || r === combined || (subresource !== undefined && subresource !== '' && r === `*/${subresource}`));
}

function nameMatches(names: readonly string[] | undefined, name: string | undefined): boolean {
  if (names === undefined || names.length === 0) return true;
  return name !== undefined && names.includes(name);
}

function urlMatches(urls: readonly string[], path: string): boolean {
  return urls.some((u) => u === ALL || u === path || (u.endsWith(ALL) && path.startsWith(u.replace(/\*+$/, ''))));
}

export function ruleGrants(rule: ResourceRule, request: ResourceRequest): boolean {
  return (
    verbMatches(rule.verbs, request.verb) &&
    groupMatches(rule.apiGroups ?? [], request.group) &&
    resourceMatches(rule.resources ?? [], request.resource, request.subresource) &&
    nameMatches(rule.resourceNames, request.name)
  );
}

export function urlRuleGrants(rule: NonResourceRule, request: UrlRequest): boolean {
  return verbMatches(rule.verbs, request.verb) && urlMatches(rule.nonResourceURLs ?? [], request.path);
}

export function grantsResource(rules: readonly ResourceRule[], request: ResourceRequest): boolean {
  return rules.some((rule) => ruleGrants(rule, request));
}

export function grantsUrl(rules: readonly NonResourceRule[], request: UrlRequest): boolean {
  return rules.some((rule) => urlRuleGrants(rule, request));
}

// The status of a SelfSubjectRulesReview as the API server sent it, read defensively: a list that
// is missing or malformed grants nothing, and a review without a status is not a complete answer.
export function readRulesReview(review: unknown): SubjectRules {
  const status = isRecord(review) && isRecord(review.status) ? review.status : undefined;
  const rules = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isRecord) : []);
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  return {
    resourceRules: rules(status?.resourceRules).map((r) => ({
      verbs: strings(r.verbs),
      apiGroups: strings(r.apiGroups),
      resources: strings(r.resources),
      resourceNames: strings(r.resourceNames),
    })),
    nonResourceRules: rules(status?.nonResourceRules).map((r) => ({ verbs: strings(r.verbs), nonResourceURLs: strings(r.nonResourceURLs) })),
    incomplete: status === undefined || status.incomplete === true,
    ...(typeof status?.evaluationError === 'string' && status.evaluationError !== '' ? { evaluationError: status.evaluationError } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
