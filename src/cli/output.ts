// The one owner of stdout, stderr, colour and the spinner (the README's output rules, after clig.dev).
// stdout carries data only; everything for humans goes to stderr.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Options as OraOptions, Ora } from 'ora';
import { InterruptedError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean; // false with --no-color
  debug: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export class Output {
  readonly json: boolean;
  /** The command has written its result to stdout (with --json, an error must not add a second document). */
  wroteData = false;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly debug: boolean;
  /** Colour and spinners: only for a person at a terminal. */
  readonly interactive: boolean;
  /** A spinner also needs a terminal width (a pty of 0 columns would make ora redraw forever). */
  private readonly spinnerAllowed: boolean;
  readonly c: ChalkInstance;
  /** Colour for human-readable data on stdout: only when stdout itself is a terminal. */
  readonly cData: ChalkInstance;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;
  private spinner?: Ora;
  private ora?: (options: OraOptions) => Ora;
  private stdoutClosed = false;
  private stderrClosed = false;
  /** data() calls waiting for stdout to drain: woken when it closes instead. */
  private readonly waiting = new Set<() => void>();

  constructor(opts: OutputOptions) {
    const env = opts.env ?? process.env;
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.json = opts.json;
    this.quiet = opts.quiet;
    this.verbose = opts.verbose && !opts.quiet;
    this.debug = opts.debug;
    const colourAllowed = !env['NO_COLOR'] && env['TERM'] !== 'dumb' && env['CI'] === undefined && opts.color && !opts.json;
    this.interactive = Boolean(this.stderr.isTTY) && colourAllowed;
    this.cData = new Chalk({ level: colourAllowed && this.stdout.isTTY ? 1 : 0 });
    this.spinnerAllowed = this.interactive && (this.stderr.columns ?? 0) > 0;
    // ora (and string-width under it) costs tens of milliseconds to load: only for a terminal.
    if (this.spinnerAllowed) {
      void import('ora').then(
        (m) => (this.ora = m.default),
        () => undefined,
      );
    }
    // chalk does not read NO_COLOR: its level is set here, from the rules above.
    this.c = new Chalk({ level: this.interactive ? 1 : 0 });
    // A closed pipe (`privacyctl export ... | head`): what is left to print is dropped quietly,
    // but the run goes on to its end — the exit code and the audit trail never depend on whether
    // anyone read stdout (an erasure that failed in part still exits 3).
    this.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.stdoutClosed = true;
      for (const wake of [...this.waiting]) wake();
    });
    this.stderr.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      this.stderrClosed = true;
    });
  }

  /** Data for stdout (an export, a plan, a receipt, --json results). */
  async data(text: string): Promise<void> {
    if (this.stdoutClosed || text === '') return;
    this.wroteData = true;
    this.pauseSpinner();
    if (this.stdout.write(redactSecrets(text))) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        this.waiting.delete(wake);
        this.stdout.off('drain', wake);
        resolve();
      };
      this.waiting.add(wake);
      this.stdout.once('drain', wake);
    });
  }

  private line(text: string): void {
    if (this.stderrClosed) return;
    this.pauseSpinner();
    this.stderr.write(`${redactSecrets(text)}\n`);
  }

  /** Progress and notes: hidden by --quiet. */
  info(text: string): void {
    if (!this.quiet) this.line(text);
  }

  detail(text: string): void {
    if (this.verbose) this.line(this.c.dim(text));
  }

  success(text: string): void {
    if (!this.quiet) this.line(`${this.c.green('✔')} ${text}`);
  }

  warn(text: string): void {
    this.line(`${this.c.yellow('warning:')} ${text}`);
  }

  /** What failed and why, then how to fix it: one or two lines. */
  error(message: string, hint?: string): void {
    this.stopSpinner();
    this.line(`${this.c.red('error:')} ${message}`);
    if (hint) this.line(`${this.c.dim('hint:')} ${hint}`);
  }

  /** The spinner shows on a TTY; elsewhere each step is one plain line (unless --quiet). */
  progress(text: string): void {
    if (this.quiet || !this.spinnerAllowed || !this.ora) return;
    if (!this.spinner) {
      this.spinner = this.ora({ text, stream: this.stderr, isEnabled: true, discardStdin: false }).start();
    } else {
      this.spinner.text = text;
      if (!this.spinner.isSpinning) this.spinner.start();
    }
  }

  /** A step finished: a ✔/✖ line (– for a step that could not run); the spinner, if any, carries on below it. */
  progressDone(ok: boolean | 'skipped', text: string): void {
    if (this.quiet) return;
    this.line(`${ok === 'skipped' ? this.c.yellow('–') : ok ? this.c.green('✔') : this.c.red('✖')} ${text}`);
  }

  private pauseSpinner(): void {
    if (this.spinner?.isSpinning) this.spinner.clear();
  }

  stopSpinner(): void {
    if (this.spinner?.isSpinning) this.spinner.stop();
  }

  /** Ask yes/no on the terminal; default No. Ctrl-C at the prompt interrupts (exit 130). */
  async confirm(question: string): Promise<boolean> {
    this.stopSpinner();
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: this.stderr });
    const ac = new AbortController();
    // readline takes Ctrl-C from the terminal itself: turn it into an interruption.
    rl.on('SIGINT', () => ac.abort());
    try {
      const answer = await rl.question(`${question} [y/N] `, { signal: ac.signal });
      return /^y(es)?$/i.test(answer.trim());
    } catch (err) {
      if (ac.signal.aborted) {
        this.stderr.write('\n');
        throw new InterruptedError('interrupted at the confirmation prompt; nothing was erased', 're-run the command to start again');
      }
      throw err;
    } finally {
      rl.close();
    }
  }
}
