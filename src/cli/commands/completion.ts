// privacyctl completion bash|zsh|fish — a shell completion script, written from the program's own
// commands and options (so it never lags behind them).
import { Argument, type Command } from 'commander';
import type { Runner } from '../context.js';

interface Node {
  path: string[];
  options: string[];
  subcommands: string[];
}

/** Every command, with its long options (the global ones included) and its subcommands. */
function tree(program: Command): Node[] {
  const globals = program.options.map((o) => o.long).filter((l): l is string => Boolean(l));
  const out: Node[] = [];
  const walk = (cmd: Command, path: string[]) => {
    out.push({
      path,
      options: [...cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l)), ...globals, '--help'],
      subcommands: cmd.commands.map((c) => c.name()),
    });
    for (const c of cmd.commands) walk(c, [...path, c.name()]);
  };
  walk(program, []);
  return out;
}

function bash(nodes: Node[]): string {
  const cases = nodes
    .filter((n) => n.path.length > 0)
    .map((n) => `    "${n.path.join(' ')}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`)
    .join('\n');
  const top = nodes.find((n) => n.path.length === 0)!;
  return `# privacyctl completion for bash: source it, or put it in /etc/bash_completion.d/
_privacyctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w words
  # the command path so far: the words that are not options
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
    "") words="${[...top.subcommands, ...top.options].join(' ')}" ;;
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  # file names for everything else (-o FILE, --from-plan FILE, batch FILE)
  [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=( $(compgen -f -- "$cur") )
}
complete -o filenames -F _privacyctl privacyctl
`;
}

function zsh(nodes: Node[]): string {
  // zsh runs bash completion functions through bashcompinit: one script to keep right.
  return `#compdef privacyctl
# privacyctl completion for zsh: put it in a directory of $fpath as _privacyctl
autoload -U +X bashcompinit && bashcompinit
${bash(nodes)}`;
}

function fish(nodes: Node[]): string {
  const lines = ['# privacyctl completion for fish: put it in ~/.config/fish/completions/privacyctl.fish', 'complete -c privacyctl -f'];
  for (const n of nodes) {
    const seen = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path.at(-1)}`;
    for (const s of n.subcommands) lines.push(`complete -c privacyctl -n '${seen}' -a ${s}`);
    for (const o of n.options) lines.push(`complete -c privacyctl -n '${seen}' -l ${o.replace(/^--/, '')}`);
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

export function registerCompletion(program: Command, run: Runner): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
    .action(
      run<Record<string, never>>(async (ctx, _flags, cmd) => {
        const shell = cmd.args[0] as keyof typeof SHELLS;
        await ctx.out.data(SHELLS[shell](tree(cmd.parent!)));
        return 0;
      }),
    );
}
