// The objects the suite makes: claims, the data pods (Pod Security "restricted": non-root uid
// 65534, fsGroup, no capabilities, RuntimeDefault seccomp, read-only root; the probe image running
// the data program with node, so no other image is needed) and the static PVs of its own (labelled
// with the run, the only cluster-scoped objects it ever touches).
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import type { ImageChoice } from '../../helpers/fleet/image.ts';
import { DATA_DIR, DATA_SCRIPT } from './data-script.ts';

export const CHECK_LABEL = 'shakedown.dev/storage';
const UID = 65534;

export function runLabels(runId: string, purpose: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [CHECK_LABEL]: purpose };
}

export interface ClaimSpec {
  name: string;
  namespace: string;
  runId: string;
  // undefined: no storageClassName at all (the default class decides).
  className?: string;
  size: string;
  accessModes?: string[];
  selector?: Record<string, string>;
}

export function claimManifest(spec: ClaimSpec): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: spec.name, namespace: spec.namespace, labels: runLabels(spec.runId, spec.name) },
    spec: {
      accessModes: spec.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: spec.size } },
      ...(spec.className === undefined ? {} : { storageClassName: spec.className }),
      ...(spec.selector === undefined ? {} : { selector: { matchLabels: spec.selector } }),
    },
  };
}

export interface DataPodSpec {
  name: string;
  namespace: string;
  runId: string;
  claim: string;
  mode: 'write' | 'read';
  dataMb: number;
  image: ImageChoice;
  pullSecret?: string;
  // Pinned to this node (by its hostname label, through the scheduler).
  node?: string;
  readOnly?: boolean;
}

export function dataPod(spec: DataPodSpec): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: runLabels(spec.runId, spec.name) },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 1,
      ...(spec.node === undefined ? {} : { nodeSelector: { 'kubernetes.io/hostname': spec.node } }),
      securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } },
      ...(spec.pullSecret === undefined ? {} : { imagePullSecrets: [{ name: spec.pullSecret }] }),
      containers: [
        {
          name: 'data',
          image: spec.image.image,
          imagePullPolicy: spec.image.pullPolicy,
          command: ['node', '-e', DATA_SCRIPT],
          env: [
            { name: 'MODE', value: spec.mode },
            { name: 'DIR', value: DATA_DIR },
            { name: 'DATA_MB', value: String(spec.dataMb) },
          ],
          volumeMounts: [{ name: 'data', mountPath: DATA_DIR, ...(spec.readOnly === true ? { readOnly: true } : {}) }],
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '192Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: spec.claim, ...(spec.readOnly === true ? { readOnly: true } : {}) } }],
    },
  };
}

export interface StaticPvSpec {
  name: string;
  runId: string;
  className: string;
  size: string;
  node: string;
  // Labels the claims select it by.
  labels: Record<string, string>;
}

// A hostPath PV on one node, as hand-built clusters make them; never mounted by the suite (binding
// is what is tested), Retain so nothing ever tries to delete its directory.
export function staticPv(spec: StaticPvSpec): V1PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: spec.name, labels: { ...runLabels(spec.runId, 'static'), ...spec.labels } },
    spec: {
      storageClassName: spec.className,
      capacity: { storage: spec.size },
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: `/mnt/shakedown-static/${spec.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [spec.node] }] }] } },
    },
  };
}
