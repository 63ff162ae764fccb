// kubectl against the local cluster with the admin kubeconfig.
import { binary } from './build.ts';
import { kubeconfigPath } from './layout.ts';
import { run, tryRun } from './sh.ts';

const args = (a: string[]): string[] => ['--kubeconfig', kubeconfigPath, ...a];

export const kubectl = (a: string[], input?: string): string => run(binary('kubectl'), args(a), input === undefined ? {} : { input });
export const tryKubectl = (a: string[]): string | null => tryRun(binary('kubectl'), args(a));

export function nodeReady(name: string): boolean {
  return tryKubectl(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])?.trim() === 'True';
}
