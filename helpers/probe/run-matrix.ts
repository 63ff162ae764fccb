// Runs a matrix of probes: one batch per source agent (not one call per probe), sources in a
// bounded pool. The whole matrix is probed again once when anything mismatched; only mismatches
// that persist fail, and those that cleared are reported as flakes.
import pLimit from 'p-limit';
import type { ProbeTarget } from '../../agent/protocol.ts';
import type { AgentAddress, ProbeTransport } from '../transport/transport.ts';
import type { Expectation } from './expectations.ts';
import { mismatches, type Cell } from './matrix.ts';

export interface MatrixProbe {
  source: AgentAddress;
  // Row and column labels of the cell.
  row: string;
  column: string;
  target: ProbeTarget;
  expected: Expectation;
}

export interface MatrixRun {
  cells: Cell[];
  attempts: number;
  // Cells that mismatched on the first attempt but met the expectation on the retry.
  flaky: Cell[];
}

export interface MatrixOptions {
  concurrency?: number;
  retry?: boolean;
  signal?: AbortSignal;
}

async function probeOnce(transport: ProbeTransport, probes: readonly MatrixProbe[], options: MatrixOptions): Promise<Cell[]> {
  const bySource = Map.groupBy(probes, (probe) => probe.source.name);
  const limit = pLimit(options.concurrency ?? 8);
  const cells = await Promise.all(
    [...bySource.values()].map((group) =>
      limit(async (): Promise<Cell[]> => {
        const [first] = group;
        if (first === undefined) return [];
        try {
          const response = await transport.probe(first.source, group.map((probe) => probe.target), options.signal === undefined ? {} : { signal: options.signal });
          return group.map((probe, index) => ({ source: probe.row, target: probe.column, expected: probe.expected, observed: response.results[index] }));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return group.map((probe) => ({ source: probe.row, target: probe.column, expected: probe.expected, observed: undefined, error: message }));
        }
      }),
    ),
  );
  return cells.flat();
}

export async function runMatrix(transport: ProbeTransport, probes: readonly MatrixProbe[], options: MatrixOptions = {}): Promise<MatrixRun> {
  const first = await probeOnce(transport, probes, options);
  if (mismatches(first).length === 0 || options.retry === false) return { cells: first, attempts: 1, flaky: [] };
  const second = await probeOnce(transport, probes, options);
  const stillWrong = new Set(mismatches(second).map((cell) => `${cell.source}\0${cell.target}`));
  const flaky = mismatches(first).filter((cell) => !stillWrong.has(`${cell.source}\0${cell.target}`));
  return { cells: second, attempts: 2, flaky };
}
