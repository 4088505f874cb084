import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError } from '#errors';
import { RulesInvalidError, formatProblem } from '#rules';
import type { CliDeps } from './cli-deps.js';
import { explainCommand } from './explain-command.js';
import { graphCommand } from './graph-command.js';
import { scaffoldCommand } from './scaffold-command.js';
import { schemaCommand } from './schema-command.js';
import { oneLine, type Values } from './cli-options-parser.js';
import { USAGE, UsageError } from './cli.errors.js';
import { validateCommand } from './validate-command.js';
import { whyCommand } from './why-command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  options: Options;
  /** Whether the command takes positional arguments (`why <key>`). @default false */
  positionals?: boolean;
  run: (values: Values, deps: CliDeps, positionals: readonly string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  validate: {
    options: { rules: { type: 'string' }, 'database-url': { type: 'string' } },
    run: validateCommand,
  },
  explain: {
    options: {
      rules: { type: 'string' },
      topic: { type: 'string' },
      event: { type: 'string' },
      'database-url': { type: 'string' },
    },
    run: explainCommand,
  },
  graph: { options: { rules: { type: 'string' }, format: { type: 'string' } }, run: graphCommand },
  schema: { options: {}, run: schemaCommand },
  scaffold: {
    options: {
      'database-url': { type: 'string' },
      schema: { type: 'string', multiple: true },
      tables: { type: 'string' },
      'key-prefix': { type: 'string' },
      publication: { type: 'string' },
    },
    run: scaffoldCommand,
  },
  why: { options: { rules: { type: 'string' } }, positionals: true, run: whyCommand },
  coverage: {
    options: {
      rules: { type: 'string' },
      'redis-url': { type: 'string' },
      'redis-cluster-nodes': { type: 'string' },
      sample: { type: 'string' },
      match: { type: 'string' },
    },
    // Loaded on use: the Redis client is not worth starting every other command for.
    run: async (values, deps) =>
      (await import('./coverage-command.js')).coverageCommand(values, deps),
  },
};

/**
 * Runs `invalidator <command> ...` and returns the exit code: 0 ok, 1 invalid rules or input,
 * 2 usage error. Prints errors as one line each, never a stack trace.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) deps.stderr(USAGE);
    else deps.stdout(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command "${name}"`);
    const { values, positionals } = parseCommand(rest, command);
    if (values.help === true) {
      deps.stdout(USAGE);
      return 0;
    }
    return await command.run(values, deps, positionals);
  } catch (error) {
    return report(error, deps);
  }
}

function parseCommand(
  args: string[],
  command: Command,
): { values: Values; positionals: readonly string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
    return { values: values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function report(error: unknown, deps: CliDeps): number {
  if (error instanceof UsageError) {
    deps.stderr(`invalidator: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (error instanceof RulesInvalidError) {
    deps.stderr(
      `${error.problems.map(formatProblem).join('\n')}\n${error.problems.length} problem(s) found\n`,
    );
    return 1;
  }
  deps.stderr(`invalidator: ${oneLine(describeError(error))}\n`);
  return 1;
}
