/**
 * `apollo completion bash|zsh|fish`: a completion script made from the command tree itself (subcommands and their
 * aliases, each command's long options, the values an option or argument takes), so it never lags behind the
 * commands. Each script holds the tree as a few lookup functions (`case` in bash and zsh, `switch` in fish) and a
 * small driver that walks the words typed so far, skipping options and their values, to the command being completed.
 */
import { Argument, type Command, type Help, type Option } from 'commander';
import type { Cli } from '../context.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What an option's value completes to: one of its choices, a file name, or anything (nothing offered). */
type Values = readonly string[] | 'file' | 'any';

interface OptionSpec {
  /** Every spelling: `-o`, `--output`. */
  readonly flags: readonly string[];
  readonly long: string | undefined;
  readonly description: string;
  /** undefined: a flag without a value. */
  readonly values: Values | undefined;
}

/** One command of the tree; `at` is its path of canonical names ('' for the program, 'services list'). */
interface CommandSpec {
  readonly at: string;
  readonly names: readonly string[];
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** The choices of each positional argument (undefined: free); the last repeats when variadic. */
  readonly args: ReadonlyArray<readonly string[] | undefined>;
  readonly variadic: boolean;
  readonly children: readonly CommandSpec[];
}

const oneLine = (text: string): string => text.split('\n')[0]!.replace(/\s+/g, ' ').trim();
/** A value naming a file (`-f, --file <path>`, `--fields-file <file>`): the shell completes file names. */
const FILE_VALUE = /<[^>]*\b(path|file)\b[^>]*>|\[[^\]]*\b(path|file)\b[^\]]*\]/i;

function optionSpec(option: Option): OptionSpec {
  const takesValue = option.required || option.optional;
  const values: Values | undefined = !takesValue ? undefined
    : option.argChoices ? option.argChoices
      : FILE_VALUE.test(option.flags) || /-file$/.test(option.long ?? '') ? 'file' : 'any';
  return { flags: [option.short, option.long].filter((f): f is string => !!f), long: option.long, description: oneLine(option.description), values };
}

function commandSpec(command: Command, at: string, help: Help): CommandSpec {
  const visible = help.visibleCommands(command);
  const children = visible.map((child) => {
    const spec = commandSpec(child, at ? `${at} ${child.name()}` : child.name(), help);
    // commander's own `help [command]`: its argument is one of its siblings.
    return command.commands.includes(child) ? spec : { ...spec, args: [visible.filter((c) => c !== child).map((c) => c.name())] };
  });
  const args = command.registeredArguments;
  return {
    at,
    names: [command.name(), ...command.aliases()],
    description: oneLine(command.description()),
    options: help.visibleOptions(command).map(optionSpec),
    args: args.map((a) => a.argChoices),
    variadic: args.at(-1)?.variadic === true,
    children,
  };
}

const everyCommand = (root: CommandSpec): CommandSpec[] => [root, ...root.children.flatMap(everyCommand)];

/** The tree, and the program's options that every command also takes (all but --version). */
function treeOf(program: Command): { root: CommandSpec; globals: readonly OptionSpec[] } {
  const root = commandSpec(program, '', program.createHelp());
  const globals = root.options.filter((o) => o.long !== '--version' && o.long !== '--help');
  return { root, globals };
}

/** The long options a command lists: its own, then the program's (each once). */
function optionsAt(command: CommandSpec, globals: readonly OptionSpec[], root: boolean): OptionSpec[] {
  const own = command.options.filter((o) => o.long);
  if (root) return own;
  return [...own, ...globals.filter((g) => !own.some((o) => o.long === g.long))];
}

const valuesText = (values: Values): string => (values === 'file' ? '@file' : values === 'any' ? '@any' : values.join(' '));

/** Single-quoted for bash and zsh. */
const sq = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
/** Single-quoted for fish (backslash and quote escaped). */
const fq = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The lookup functions, in bash and zsh's shared `case` syntax; `item` prints one completion with its description. */
function posixTables(program: Command, item: (name: string, description: string) => string): string {
  const { root, globals } = treeOf(program);
  const commands = everyCommand(root);
  const lines: string[] = [];
  const fn = (name: string, comment: string, cases: string[], fallback?: string) => {
    lines.push(`# ${comment}`, `${name}() {`, '  case "$1|$2" in');
    lines.push(...cases.map((c) => `    ${c}`));
    lines.push(`    *) ${fallback ?? 'return 1'} ;;`, '  esac', '}', '');
  };
  fn('__apollo_sub', '$1 a command path, $2 a word: the subcommand the word names (a name or an alias)',
    commands.flatMap((c) => c.children.map((child) => `${child.names.map((n) => sq(`${c.at}|${n}`)).join('|')}) printf '%s\\n' ${sq(child.names[0]!)} ;;`)));
  fn('__apollo_subs', '$1 a command path: its subcommands',
    commands.filter((c) => c.children.length).map((c) => `${sq(`${c.at}|`)}) printf '%s\\n' ${c.children.flatMap((child) => child.names.map((n) => sq(item(n, child.description)))).join(' ')} ;;`));
  fn('__apollo_opts', '$1 a command path: its long options and the program\'s',
    commands.map((c) => `${sq(`${c.at}|`)}) printf '%s\\n' ${optionsAt(c, globals, c.at === '').map((o) => sq(item(o.long!, o.description))).join(' ')} ;;`));
  const specific = commands.flatMap((c) => c.options.filter((o) => o.values && !globals.includes(o)).map((o) => `${o.flags.map((f) => sq(`${c.at}|${f}`)).join('|')}) printf '%s\\n' ${sq(valuesText(o.values!))} ;;`));
  const global = globals.filter((o) => o.values).map((o) => `${o.flags.map((f) => `*${sq(`|${f}`)}`).join('|')}) printf '%s\\n' ${sq(valuesText(o.values!))} ;;`);
  fn('__apollo_value', '$1 a command path, $2 an option: what its value completes to (choices, @file or @any); fails for a flag', [...specific, ...global]);
  fn('__apollo_arg', '$1 a command path, $2 the index of a positional argument: its choices',
    commands.flatMap((c) => c.args.flatMap((choices, i) => {
      if (!choices) return [];
      const index = c.variadic && i === c.args.length - 1 ? '*' : String(i);
      return [`${sq(`${c.at}|`)}${index}) printf '%s\\n' ${sq(choices.join(' '))} ;;`];
    })));
  return lines.join('\n');
}

function bashScript(program: Command): string {
  return `# apollo completion for bash (made by \`apollo completion bash\` from its commands).
# Install: add to ~/.bashrc
#   source <(apollo completion bash)
# or save it where bash-completion finds it:
#   apollo completion bash > ~/.local/share/bash-completion/completions/apollo

${posixTables(program, (name) => name)}
_apollo() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" at="" word next opt="" values list="" i=1 n=0
  # Walk the words before the cursor to the command they name; options and their values are skipped, other
  # words after the command are its positional arguments (n of them).
  while (( i < COMP_CWORD )); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      -*)
        # --opt=value arrives as three words: bash splits at = (COMP_WORDBREAKS).
        if [[ "\${COMP_WORDS[i+1]}" == "=" ]]; then i=$((i + 3))
        elif __apollo_value "$at" "$word" >/dev/null; then i=$((i + 2))
        else i=$((i + 1)); fi
        continue ;;
    esac
    if (( n == 0 )) && next="$(__apollo_sub "$at" "$word")"; then at="\${at:+$at }$next"; else n=$((n + 1)); fi
    i=$((i + 1))
  done
  # The option whose value is being typed: --opt=<cur>, --opt= <cur> or --opt <cur>.
  if [[ "$cur" == "=" ]]; then opt="\${COMP_WORDS[COMP_CWORD-1]}"; cur=""
  elif (( COMP_CWORD > 1 )) && [[ "\${COMP_WORDS[COMP_CWORD-1]}" == "=" ]]; then opt="\${COMP_WORDS[COMP_CWORD-2]}"
  elif (( COMP_CWORD > 1 )); then opt="\${COMP_WORDS[COMP_CWORD-1]}"; fi
  if [[ "$opt" == -* ]] && values="$(__apollo_value "$at" "$opt")"; then
    case "$values" in
      @file) compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ) ;;
      @any) COMPREPLY=() ;;
      *) COMPREPLY=( $(compgen -W "$values" -- "$cur") ) ;;
    esac
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$(__apollo_opts "$at")" -- "$cur") )
    return 0
  fi
  if (( n == 0 )); then list="$(__apollo_subs "$at")"; fi
  if [[ -z "$list" ]]; then list="$(__apollo_arg "$at" "$n")"; fi
  COMPREPLY=( $(compgen -W "$list" -- "$cur") )
  return 0
}

complete -F _apollo apollo
`;
}

function zshScript(program: Command): string {
  // _describe reads "name:description"; a colon in a name would need escaping, and none has one.
  return `#compdef apollo
# apollo completion for zsh (made by \`apollo completion zsh\` from its commands).
# Install: save it as _apollo in a directory of $fpath, before compinit runs in ~/.zshrc:
#   mkdir -p ~/.zsh/completions && apollo completion zsh > ~/.zsh/completions/_apollo
#   # in ~/.zshrc: fpath=(~/.zsh/completions $fpath); autoload -U compinit && compinit
# or, after compinit in ~/.zshrc: source <(apollo completion zsh)

${posixTables(program, (name, description) => (description ? `${name}:${description}` : name))}
_apollo() {
  local cur="\${words[CURRENT]}" at="" word next opt="" values i=2 n=0
  local -a list
  while (( i < CURRENT )); do
    word="\${words[i]}"
    case "$word" in
      --*=*) i=$((i + 1)); continue ;;
      -*)
        if __apollo_value "$at" "$word" >/dev/null; then i=$((i + 2)); else i=$((i + 1)); fi
        continue ;;
    esac
    if (( n == 0 )) && next="$(__apollo_sub "$at" "$word")"; then at="\${at:+$at }$next"; else n=$((n + 1)); fi
    i=$((i + 1))
  done
  if [[ "$cur" == --*=* ]]; then opt="\${cur%%=*}"; compset -P '*='
  elif (( CURRENT > 2 )); then opt="\${words[CURRENT-1]}"; fi
  if [[ "$opt" == -* ]] && values="$(__apollo_value "$at" "$opt")"; then
    case "$values" in
      @file) _files ;;
      @any) _message "the value of $opt" ;;
      *) list=(\${=values}); compadd -a list ;;
    esac
    return
  fi
  if [[ "$cur" == -* ]]; then
    list=(\${(f)"$(__apollo_opts "$at")"})
    _describe -t options 'option' list
    return
  fi
  if (( n == 0 )); then list=(\${(f)"$(__apollo_subs "$at")"}); fi
  if (( \${#list} )); then
    _describe -t commands 'command' list
  else
    list=(\${="$(__apollo_arg "$at" "$n")"})
    (( \${#list} )) && compadd -a list
  fi
}

if [ "$funcstack[1]" = "_apollo" ]; then
  _apollo "$@"
else
  compdef _apollo apollo
fi
`;
}

function fishScript(program: Command): string {
  const { root, globals } = treeOf(program);
  const commands = everyCommand(root);
  const fn = (name: string, comment: string, cases: string[]) =>
    [`# ${comment}`, `function ${name}`, '    switch "$argv[1]|$argv[2]"', ...cases, "        case '*'", '            return 1', '    end', 'end', ''].join('\n');
  const kase = (patterns: string[], body: string) => `        case ${patterns.join(' ')}\n            ${body}`;
  const items = (list: ReadonlyArray<readonly [string, string]>) => `printf '%s\\t%s\\n' ${list.map(([n, d]) => `${fq(n)} ${fq(d)}`).join(' ')}`;
  const tables = [
    fn('__apollo_sub', '$argv[1] a command path, $argv[2] a word: the subcommand the word names (a name or an alias)',
      commands.flatMap((c) => c.children.map((child) => kase(child.names.map((n) => fq(`${c.at}|${n}`)), `echo ${fq(child.names[0]!)}`)))),
    fn('__apollo_subs', '$argv[1] a command path: its subcommands, with what each does',
      commands.filter((c) => c.children.length).map((c) => kase([fq(`${c.at}|`)], items(c.children.flatMap((child) => child.names.map((n) => [n, child.description] as const)))))),
    fn('__apollo_opts', '$argv[1] a command path: its long options and the program\'s',
      commands.map((c) => kase([fq(`${c.at}|`)], items(optionsAt(c, globals, c.at === '').map((o) => [o.long!, o.description] as const))))),
    fn('__apollo_value', '$argv[1] a command path, $argv[2] an option: what its value completes to (choices, @file or @any); fails for a flag', [
      ...commands.flatMap((c) => c.options.filter((o) => o.values && !globals.includes(o)).map((o) => kase(o.flags.map((f) => fq(`${c.at}|${f}`)), `echo ${fq(valuesText(o.values!))}`))),
      ...globals.filter((o) => o.values).map((o) => kase(o.flags.map((f) => fq(`*|${f}`)), `echo ${fq(valuesText(o.values!))}`)),
    ]),
    fn('__apollo_arg', '$argv[1] a command path, $argv[2] the index of a positional argument: its choices',
      commands.flatMap((c) => c.args.flatMap((choices, i) => (choices ? [kase([fq(`${c.at}|${c.variadic && i === c.args.length - 1 ? '*' : i}`)], `echo ${fq(choices.join(' '))}`)] : [])))),
  ];
  return `# apollo completion for fish (made by \`apollo completion fish\` from its commands).
# Install:
#   apollo completion fish > ~/.config/fish/completions/apollo.fish

${tables.join('\n')}
# What to offer at the cursor: walks the words before it to the command they name (options and their values
# skipped; other words after the command are its positional arguments).
function __apollo_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l at ''
    set -l n 0
    set -l i 2
    while test $i -le (count $tokens)
        set -l word $tokens[$i]
        switch $word
            case '--*=*'
                set i (math $i + 1)
                continue
            case '-*'
                if __apollo_value "$at" $word >/dev/null
                    set i (math $i + 2)
                else
                    set i (math $i + 1)
                end
                continue
        end
        set -l next
        if test $n -eq 0
            set next (__apollo_sub "$at" $word)
        end
        if test -n "$next"
            if test -z "$at"
                set at $next
            else
                set at "$at $next"
            end
        else
            set n (math $n + 1)
        end
        set i (math $i + 1)
    end
    set -l opt
    set -l prefix
    if string match -q -- '--*=*' $cur
        set opt (string split -m 1 = -- $cur)[1]
        set prefix "$opt="
    else if test (count $tokens) -gt 1
        set opt $tokens[-1]
    end
    if string match -q -- '-*' "$opt"
        set -l values (__apollo_value "$at" $opt)
        if test $status -eq 0
            switch $values
                case '@file'
                    __fish_complete_path (string replace -- "$prefix" '' $cur) | string replace -r -- '^' "$prefix"
                case '@any'
                case '*'
                    string split ' ' -- $values | string replace -r -- '^' "$prefix"
            end
            return
        end
    end
    if string match -q -- '-*' $cur
        __apollo_opts "$at"
        return
    end
    if test $n -eq 0; and __apollo_subs "$at"
        return
    end
    set -l choices (__apollo_arg "$at" $n)
    and string split ' ' -- $choices
end

complete -c apollo -e
complete -c apollo -f -a '(__apollo_complete)'
`;
}

export function completionScript(shell: Shell, program: Command): string {
  if (shell === 'bash') return bashScript(program);
  if (shell === 'zsh') return zshScript(program);
  return fishScript(program);
}

export function registerCompletion(program: Command, cli: Cli): void {
  program
    .command('completion')
    .description('Print the shell completion script for apollo (bash, zsh or fish): commands, options and their values')
    .addArgument(new Argument('<shell>', 'the shell it is for').choices(SHELLS))
    .addHelpText('after', [
      '',
      'Install:',
      '  bash  add to ~/.bashrc:  source <(apollo completion bash)',
      '  zsh   save it as _apollo in a directory of $fpath (before compinit in ~/.zshrc):',
      '          mkdir -p ~/.zsh/completions && apollo completion zsh > ~/.zsh/completions/_apollo',
      '          # ~/.zshrc: fpath=(~/.zsh/completions $fpath); autoload -U compinit && compinit',
      '  fish  apollo completion fish > ~/.config/fish/completions/apollo.fish',
      '',
      'Examples:',
      '  $ source <(apollo completion bash)',
      '  $ apollo completion zsh > ~/.zsh/completions/_apollo',
      '  $ apollo completion fish > ~/.config/fish/completions/apollo.fish',
    ].join('\n'))
    // The script whatever --output says: it is code for the shell, not a result.
    .action((shell: Shell) => { cli.io.stdout.write(completionScript(shell, program)); });
}
