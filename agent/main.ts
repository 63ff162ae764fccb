// Entry point of the bundled agent: `node agent.mjs`, configured by environment variables.
import { startAgent } from './agent.ts';
import { loadConfig } from './config.ts';
import { AGENT_VERSION } from './protocol.ts';

const NAME = 'shakedown-agent';
const SHUTDOWN_BUDGET_MS = 800;

function log(line: string): void {
  console.log(`${NAME}: ${line}`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  log(`version ${AGENT_VERSION}, pod ${config.identity.pod}, node ${config.identity.node || '(unknown)'}`);
  const agent = await startAgent(config, { log });
  const shutDown = (signal: string) => {
    log(`${signal}: shutting down`);
    const budget = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS));
    // In-flight probes keep their sockets and timers for up to their timeout; the pod is going
    // away, so exit once the servers are closed rather than wait for them.
    void Promise.race([agent.close(), budget]).then(() => process.exit(0));
  };
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
}

main().catch((error: unknown) => {
  console.error(`${NAME}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
