import { processDeps } from './cli-deps.js';
import { runCli } from './cli-runner.js';

process.exitCode = await runCli(process.argv.slice(2), processDeps());
