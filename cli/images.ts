// `shakedown images`: every image a run pulls, one per line, for mirroring into a private registry.
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import type { Settings } from '../helpers/settings.ts';
import type { CliIo } from './main.ts';

export function imagesCommand(io: CliIo, settings: Settings): number {
  const probe = chooseProbeImage(settings.probeImage, settings.context ?? '');
  io.stdout.write(`${probe.image}\n`);
  if (settings.verbose) io.stderr.write(`probe agent image: ${probe.why}; pull policy ${probe.pullPolicy}. Mirror it and pass --probe-image REF.\n`);
  return 0;
}
