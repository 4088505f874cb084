import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError } from '#errors';
import { RulesInvalidError, formatProblem } from '#rules';
import type { CliDeps } from './cli-deps.port.js';
import { explainCommand } from './explain.command.js';
import { graphCommand } from './graph.command.js';
import { schemaCommand } from './schema.command.js';
import { oneLine, type Values } from './cli-options.parser.js';
import { USAGE, UsageError } from './usage.error.js';
import { validateCommand } from './validate.command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMANDS: Record<
  string,
  { options: Options; run: (values: Values, deps: CliDeps) => Promise<number> }
> = {
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
    const { values } = parseCommand(rest, command.options);
    if (values.help === true) {
      deps.stdout(USAGE);
      return 0;
    }
    return await command.run(values, deps);
  } catch (error) {
    return report(error, deps);
  }
}

function parseCommand(args: string[], options: Options): { values: Values } {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
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
