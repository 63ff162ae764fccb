// How the suite says what it measured: one line per provisioned claim, and the figures as run
// properties (JUnit <properties>, JSON run.properties) so runs can be compared.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { className } from './classes.ts';
import { capacityOf, modesText, nodeAffinityText } from './match.ts';
import { seconds, type Provisioned } from './provision.ts';

export function provisionedLine(p: Provisioned): string {
  const pv = p.pv;
  const how =
    p.mode === 'WaitForFirstConsumer'
      ? `Pending until a pod used it (event WaitForFirstConsumer${p.consumerEvent === undefined ? ' not seen, the claim stayed Pending' : ''}), Bound ${seconds(p.boundMs)} after the pod was created`
      : `Bound ${seconds(p.boundMs)} after it was created, before any pod`;
  return `class ${className(p.sc)} (${p.mode}): ${how}; pod Running after ${seconds(p.runningMs)}; PV ${pv.metadata?.name ?? ''} ${capacityOf(pv) ?? '?'} ${modesText(pv.spec?.accessModes)} ${pv.spec?.persistentVolumeReclaimPolicy ?? ''} ${pv.spec?.volumeMode ?? 'Filesystem'}, ${nodeAffinityText(pv)}`;
}

export function recordTimes(c: CheckContext, p: Provisioned): void {
  const name = className(p.sc);
  c.property(`storage.${name}.bound-ms`, String(Math.round(p.boundMs)));
  c.property(`storage.${name}.running-ms`, String(Math.round(p.runningMs)));
  c.property(`storage.${name}.binding-mode`, p.mode);
}
