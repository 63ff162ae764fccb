// The network suite: the pod network's data path between every node pair, in both directions,
// with small and large payloads. Cells are data (pairs.ts); failures name the pair, the direction,
// and MTU when only the large payloads fail.
import { check, defineSuite } from '../../helpers/engine/check.ts';
import { everyNodeAgents } from '../../helpers/fleet/plan.ts';
import { failReach, reach } from '../../helpers/probe/reach.ts';
import manifest from './manifest.ts';
import { pairCells } from './pairs.ts';

defineSuite(manifest, () => {
  check('every node pair, both ways, small and large payloads', {}, async (c) => {
    const { transport } = await c.cluster();
    const agents = everyNodeAgents(c.run.fleet);
    const cells = pairCells(agents, c.run.timeouts.probeMs);
    const run = await reach(transport, cells, { signal: c.signal, log: (line) => c.log(line), policy: { deadlineMs: 0 } });
    await failReach(c, run, { what: 'node pair probes' });
    c.note(`${cells.length} probes between ${agents.length} node agents`);
  });
});
