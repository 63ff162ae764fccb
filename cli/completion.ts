// `shakedown completion bash|zsh`: a completion script made from the commands and flags the CLI
// itself parses (commands.ts, the knobs, the suites' options), so it never drifts from them.
// bash: `source <(shakedown completion bash)`; zsh: `source <(shakedown completion zsh)` (it loads
// zsh's bashcompinit and uses the same function).
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { optionsFor } from './args.ts';
import { COMMANDS } from './commands.ts';

export const SHELLS = ['bash', 'zsh'] as const;

// Each command's flags, as --name (and --no-name for switches), sorted.
export function commandFlags(manifests: readonly SuiteManifest[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (const command of COMMANDS) {
    const options = optionsFor(command, manifests);
    const names = Object.entries(options).flatMap(([name, spec]) =>
      spec.type === 'boolean' && name !== 'help' ? [`--${name}`, `--no-${name}`] : [`--${name}`],
    );
    flags.set(command.name, names.sort());
  }
  return flags;
}

const words = (list: readonly string[]): string => list.join(' ');

export function bashCompletion(manifests: readonly SuiteManifest[]): string {
  const flags = commandFlags(manifests);
  const cases = [...flags].map(([name, list]) => `    ${name}) words="${words(list)}" ;;`);
  return [
    '# shakedown completion (bash): source <(shakedown completion bash)',
    '_shakedown() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=($(compgen -W "${words([...COMMANDS.map((c) => c.name), 'help'])}" -- "$cur"))`,
    '    return',
    '  fi',
    '  case "$prev" in',
    `    --suite) COMPREPLY=($(compgen -W "${words(manifests.map((m) => m.name))}" -- "$cur")); return ;;`,
    // A check pattern starts with its suite: SUITE/ (the title is the user's to type, quoted).
    `    --check|--skip-check) COMPREPLY=($(compgen -W "${words(manifests.map((m) => `${m.name}/`))}" -- "$cur")); return ;;`,
    '    --kubeconfig|--config|--junit|--json|--html|--baseline|--waivers) COMPREPLY=($(compgen -f -- "$cur")); return ;;',
    `    completion) COMPREPLY=($(compgen -W "${words(SHELLS)}" -- "$cur")); return ;;`,
    '  esac',
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    '    *) words="" ;;',
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _shakedown shakedown',
    '',
  ].join('\n');
}

export function completionScript(shell: string | undefined, manifests: readonly SuiteManifest[]): string {
  if (shell === 'bash') return bashCompletion(manifests);
  if (shell === 'zsh')
    return ['# shakedown completion (zsh): source <(shakedown completion zsh)', 'autoload -U +X bashcompinit && bashcompinit', bashCompletion(manifests)].join(
      '\n',
    );
  throw new ShakedownError('SD_BAD_FLAG', `shakedown completion takes a shell: ${SHELLS.join(' or ')}${shell === undefined ? '' : `, got "${shell}"`}`, {
    hint: 'e.g. source <(shakedown completion bash)',
  });
}
