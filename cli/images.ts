// `shakedown images`: every image a run of the chosen suites (default: all) pulls, one per line,
// for mirroring into a private registry: the probe image when a suite makes pods, then the images
// the suites' manifests declare.
import { chooseProbeImage } from '../helpers/fleet/image.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import type { Settings } from '../helpers/settings.ts';
import type { CliIo } from './io.ts';

export function runImages(settings: Pick<Settings, 'probeImage' | 'context'>, suites: readonly LoadedSuite[]): string[] {
  const probe = suites.some((suite) => suite.manifest.setup.length > 0) ? [chooseProbeImage(settings.probeImage, settings.context ?? '').image] : [];
  return [...new Set([...probe, ...suites.flatMap((suite) => suite.manifest.images)])];
}

export function imagesCommand(io: CliIo, settings: Settings, suites: readonly LoadedSuite[]): number {
  for (const image of runImages(settings, suites)) io.stdout.write(`${image}\n`);
  if (settings.verbose) {
    const probe = chooseProbeImage(settings.probeImage, settings.context ?? '');
    io.stderr.write(`probe agent image: ${probe.why}; pull policy ${probe.pullPolicy}. Mirror it and pass --probe-image REF.\n`);
    for (const suite of suites) if (suite.manifest.images.length > 0) io.stderr.write(`suite ${suite.name}: ${suite.manifest.images.join(', ')}\n`);
  }
  return 0;
}
