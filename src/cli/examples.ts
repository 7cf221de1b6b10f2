// Examples under each command's --help: what a person types first.
const EXAMPLES: Record<string, string[]> = {
  sources: [
    'privacyctl sources',
    'privacyctl sources --check            # probe each source (tokens, files, columns)',
    'privacyctl sources --json | jq .sources[].missingFacts',
  ],
  find: [
    'privacyctl find --email ann@example.org',
    'privacyctl find --github ann-example --json | jq .summary',
    'privacyctl find --email ann@example.org --include-identity slack-id:U01ANN',
  ],
  export: [
    'privacyctl export --email ann@example.org > ann.json',
    'privacyctl export --email ann@example.org --format csv -o ann.csv',
    'privacyctl export --request R-20261207-1 -o reply/        # bundle: report.html, JSON, CSV, README.txt',
  ],
  erase: [
    'privacyctl erase --email ann@example.org --plan-out plan.json   # review the plan',
    'privacyctl erase --from-plan plan.json --apply --yes            # carry out exactly that plan',
    'privacyctl erase --request R-20261207-1 --apply',
  ],
  verify: [
    'privacyctl verify --email ann@example.org',
    'privacyctl verify --from-plan plan.json',
    'privacyctl verify --request R-20261207-1 --json | jq .status',
  ],
  init: ['privacyctl init', 'privacyctl init --kinds csv,git,mbox     # only these kinds', 'privacyctl -c config/privacy.yaml init'],
  suppressed: ['privacyctl suppressed --email ann@example.org && echo "do not import"'],
  requests: [
    'privacyctl requests add --type erasure --email ann@example.org --received 2026-12-01',
    'privacyctl requests list --overdue || notify-team      # exit 5 when a request is overdue',
    'privacyctl requests extend R-20261201-1 --months 1 --reason "the archives are large"',
    'privacyctl requests close R-20261201-1',
  ],
  batch: [
    'privacyctl batch requests.csv -o replies/              # CSV: type,email,github,request_id',
    "privacyctl requests list --json | jq -c '.requests[] | {request_id: .id}' | privacyctl batch - -o replies/",
    'privacyctl batch erasures.ndjson -o replies/ --apply --yes',
  ],
  replay: ['privacyctl replay                      # after restoring a backup: exit 5 if erased data came back', 'privacyctl replay --apply --yes'],
  audit: ['privacyctl audit verify', 'privacyctl audit head >> /mnt/elsewhere/privacyctl-heads.log', 'privacyctl audit verify --head 42:9f2c…'],
  completion: [
    'privacyctl completion bash > /etc/bash_completion.d/privacyctl',
    'privacyctl completion zsh > "${fpath[1]}/_privacyctl"',
    'privacyctl completion fish > ~/.config/fish/completions/privacyctl.fish',
  ],
};

export function examplesFor(command: string): string {
  const lines = EXAMPLES[command];
  return lines ? `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n` : '';
}
