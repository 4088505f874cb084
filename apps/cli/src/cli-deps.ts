import { readFile } from 'node:fs/promises';
import { PgDatabase, type CascadeLookup, type RulesCatalog, type SchemaCatalog } from '#rules';

/** A database the CLI can check rules against and run cascades on. */
export interface CliDatabase extends CascadeLookup, RulesCatalog {
  close(): Promise<void>;
}

/** A database the CLI scaffolds rules from. */
export interface CliSchemaCatalog extends SchemaCatalog {
  close(): Promise<void>;
}

/** Everything the commands touch outside themselves, so tests can pass fakes. */
export interface CliDeps {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  connect(url: string): Promise<CliDatabase>;
  connectSchemaCatalog(url: string): Promise<CliSchemaCatalog>;
}

/** The real process: stdio, the file system and PostgreSQL. */
export function processDeps(): CliDeps {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    readFile: (path) => readFile(path, 'utf8'),
    connect: (url) => PgDatabase.connect(url),
    connectSchemaCatalog: (url) => PgDatabase.connect(url),
  };
}
