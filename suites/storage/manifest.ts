// The storage suite declares itself: read by the engine for list, help, preflight and RBAC.
import { boolean, duration, integer, nameList } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';

// A check that waits for a volume and a pod on it.
const POD_CHECK_MS = 180_000;

export default defineManifest({
  name: 'storage',
  description: 'Storage: the default class, provisioners that run, binding as it really happens, data that survives a pod, static PVs, reclaim',
  checks: {
    defaultClass: {
      title: 'classes › exactly one default StorageClass',
      description:
        'the StorageClasses with provisioner, binding mode, reclaim policy and expansion; none marked default fails, several warn and name the one a claim gets (the newest)',
    },
    provisioners: {
      title: 'classes › every StorageClass has a running provisioner',
      description: "each class's provisioner has a ready pod (CSI: its CSIDriver, and CSINode listing it on every node); one that runs nowhere fails, named",
    },
    claimWithoutClass: {
      title: 'dynamic provisioning › a claim without a class binds through the default class',
      description:
        'the claim gets the default class; WaitForFirstConsumer keeps it Pending (with that event, not a failure) until a pod uses it, Immediate binds it at once; the PV follows claim and class; time to Bound and to Running measured',
      timeoutMs: POD_CHECK_MS,
    },
    eachClassBinds: {
      title: 'dynamic provisioning › each chosen class provisions and binds',
      description: 'the same for every class named with --storage-class (or all of them with --storage-class all)',
      timeoutMs: POD_CHECK_MS * 2,
    },
    dataSameNode: {
      title: 'data › written with fsync, read back by a new pod on the same node',
      description:
        'a pod (uid 65534, fsGroup) writes a file with fsync and its sha256; after it is gone a new pod on the same node reads it back equal through a read-only mount that refuses writes; write and read throughput reported, never judged',
      timeoutMs: POD_CHECK_MS,
    },
    dataOtherNode: {
      title: "data › read from another node where the volume's topology allows",
      description: "the written data read back on another node, when the PV's node affinity lets another node mount it",
      timeoutMs: POD_CHECK_MS,
    },
    staticPvBinds: {
      title: 'static binding › a static PV binds by class and selector',
      description: 'a hostPath PV of the run on one node (labelled with the run, deleted at the end) binds a claim that names its class and selects its labels',
    },
    unmatchableClaim: {
      title: 'static binding › a claim that cannot match is explained field by field',
      description:
        'a claim asking more capacity and another access mode than the static PV stays Pending, and the explanation names exactly those fields (class, capacity, access modes, selector, volumeMode, node affinity compared)',
    },
    existingPending: {
      title: 'static binding › existing Pending claims explained',
      description:
        'with --storage-existing, every Pending claim in the cluster explained read-only: waiting for its consumer, its provisioner, or the closest PVs field by field',
    },
    resizeAndReclaim: {
      title: 'lifecycle › resize as allowVolumeExpansion says; reclaim as the policy says',
      description:
        'growing a bound claim is refused when the class does not allow expansion and honoured when it does; deleting the claim deletes the PV (Delete) or leaves it Released (Retain)',
      timeoutMs: POD_CHECK_MS,
    },
    stuckVolumes: {
      title: 'lifecycle › Released PVs and claims stuck Terminating',
      description: 'read-only: PVs left Released and claims Terminating for minutes on their finalizers are listed as findings',
    },
  },
  options: {
    classes: option<string[], string[]>({
      key: 'storageClass',
      flag: 'storage-class',
      env: 'SHAKEDOWN_STORAGE_CLASS',
      type: nameList,
      default: [],
      describe: 'also provision, bind and measure through these StorageClasses (repeatable), or "all"; the default class is always exercised',
    }),
    existing: option({
      key: 'storageExisting',
      flag: 'storage-existing',
      env: 'SHAKEDOWN_STORAGE_EXISTING',
      type: boolean,
      default: false,
      describe: 'explain every Pending claim already in the cluster (reads all claims and PVs)',
    }),
    bound: option({
      key: 'storageBound',
      flag: 'storage-bound',
      env: 'SHAKEDOWN_STORAGE_BOUND',
      type: duration(5000, 600_000),
      default: 60_000,
      describe: 'how long a claim may take to bind (and a data pod to finish) before it counts as a failure',
    }),
    dataMb: option({
      key: 'storageDataMb',
      flag: 'storage-data-mb',
      env: 'SHAKEDOWN_STORAGE_DATA_MB',
      type: integer(1, 512),
      default: 32,
      describe: 'MiB written with fsync and read back by the data check (the throughput evidence)',
    }),
  },
  permissions: [
    { verb: 'list', resource: 'storageclasses', group: 'storage.k8s.io', scope: 'cluster', why: 'the classes, the default one, their provisioners' },
    { verb: 'list', resource: 'csidrivers', group: 'storage.k8s.io', scope: 'cluster', why: 'the CSI drivers behind the classes' },
    { verb: 'list', resource: 'csinodes', group: 'storage.k8s.io', scope: 'cluster', why: 'which nodes run each CSI node plugin' },
    { verb: 'list', resource: 'deployments', group: 'apps', scope: 'cluster', why: 'finding where each provisioner runs' },
    { verb: 'list', resource: 'statefulsets', group: 'apps', scope: 'cluster', why: 'finding where each provisioner runs' },
    { verb: 'list', resource: 'daemonsets', group: 'apps', scope: 'cluster', why: 'finding where each provisioner runs (CSI node plugins)' },
    { verb: 'list', resource: 'pods', scope: 'cluster', why: "the provisioners' pods" },
    { verb: 'get', resource: 'pods', subresource: 'log', scope: 'cluster', why: "evidence on failures: the provisioners' log tails" },
    {
      verb: 'list',
      resource: 'events',
      scope: 'cluster',
      why: 'the events of claims and their consumer pods (WaitForFirstConsumer, ProvisioningFailed, FailedScheduling)',
    },
    { verb: 'list', resource: 'persistentvolumeclaims', scope: 'cluster', why: 'existing Pending claims (--storage-existing) and claims stuck Terminating' },
    { verb: 'create', resource: 'persistentvolumeclaims', scope: 'run', why: 'the claims under test' },
    { verb: 'get', resource: 'persistentvolumeclaims', scope: 'run', why: 'their state' },
    { verb: 'watch', resource: 'persistentvolumeclaims', scope: 'run', why: 'the moment each binds' },
    { verb: 'update', resource: 'persistentvolumeclaims', scope: 'run', why: 'growing a bound claim (expansion)' },
    { verb: 'delete', resource: 'persistentvolumeclaims', scope: 'run', why: 'deleting a claim to see its PV reclaimed, and cleanup' },
    { verb: 'create', resource: 'pods', scope: 'run', why: 'the data pods that write and read through the claims' },
    { verb: 'watch', resource: 'pods', scope: 'run', why: 'the moment each data pod runs and ends' },
    { verb: 'delete', resource: 'pods', scope: 'run', why: 'a writer gone before its reader starts, and cleanup' },
    { verb: 'list', resource: 'persistentvolumes', scope: 'cluster', why: 'PVs left Released, and the PVs compared with a Pending claim' },
    { verb: 'get', resource: 'persistentvolumes', scope: 'cluster', why: 'the PV behind each claim under test' },
    { verb: 'watch', resource: 'persistentvolumes', scope: 'cluster', why: 'the moment a reclaimed PV goes' },
    { verb: 'create', resource: 'persistentvolumes', scope: 'cluster', why: 'static PVs of the run (labelled with the run id)' },
    { verb: 'update', resource: 'persistentvolumes', scope: 'cluster', why: "labelling a Retain PV of the run as the run's before deleting it" },
    { verb: 'delete', resource: 'persistentvolumes', scope: 'cluster', why: "the run's own PVs only (static, or retained from its claims)" },
  ],
  setup: ['namespaces'],
  exclusive: false,
  images: [],
});
