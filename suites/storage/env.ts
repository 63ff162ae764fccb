// What every storage check works with: the clients, the connection (for watches), the run's
// namespace and labels, the classes and nodes as read when the check starts, and the options.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import type { ImageChoice } from '../../helpers/fleet/image.ts';
import type { KubeClients } from '../../helpers/kube/clients.ts';
import type { WatchApi } from '../../helpers/wait/watch.ts';
import { readClasses, type ClassFacts } from './facts.ts';
import manifest from './manifest.ts';

export interface StorageEnv {
  clients: KubeClients;
  connection: WatchApi;
  namespace: string;
  runId: string;
  facts: ClassFacts;
  boundMs: number;
  dataMb: number;
  image: ImageChoice;
  pullSecret?: string;
}

export async function storageEnv(c: CheckContext): Promise<StorageEnv> {
  const { session } = await c.cluster();
  const options = suiteOptions(c.run, manifest);
  return {
    clients: session.clients,
    connection: session.connection,
    namespace: c.run.namespace,
    runId: c.run.runId,
    facts: await readClasses(session.clients),
    boundMs: options.bound,
    dataMb: options.dataMb,
    image: c.run.image,
    ...(c.run.pullSecret === undefined ? {} : { pullSecret: c.run.pullSecret }),
  };
}
