// Services as plain data, built the same way by every check: labelled with the run, selecting
// probe pods of the fleet, ports given as data.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../run/labels.ts';

export interface ServiceSpec {
  name: string;
  namespace: string;
  runId: string;
  selector: Record<string, string>;
  ports: V1ServicePort[];
  headless?: boolean;
  sessionAffinity?: 'ClientIP' | 'None';
  type?: 'ClusterIP' | 'NodePort';
  externalTrafficPolicy?: 'Cluster' | 'Local';
}

export function serviceManifest(spec: ServiceSpec): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, namespace: spec.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: spec.runId } },
    spec: {
      selector: spec.selector,
      ports: spec.ports,
      ...(spec.headless === true ? { clusterIP: 'None' } : {}),
      ...(spec.type === undefined ? {} : { type: spec.type }),
      ...(spec.sessionAffinity === undefined ? {} : { sessionAffinity: spec.sessionAffinity }),
      ...(spec.externalTrafficPolicy === undefined ? {} : { externalTrafficPolicy: spec.externalTrafficPolicy }),
    },
  };
}

export function describePorts(service: V1Service): string {
  return (service.spec?.ports ?? []).map((p) => `${p.name ?? '-'} ${p.port}/${p.protocol ?? 'TCP'} -> ${p.targetPort ?? p.port}`).join(', ');
}
