import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The three places that list the libs and apps drift apart silently (a lib missing from
// nest-cli.json builds with tsc but not with `nest build`): this keeps them in step.
const root = join(__dirname, '..', '..');
const dirs = (parent: string): string[] =>
  readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
const json = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;

interface NestProject {
  type: string;
  root: string;
  entryFile: string;
  sourceRoot: string;
}

describe('workspace layout', () => {
  const libs = dirs('libs');
  const apps = dirs('apps');
  const projects = json('nest-cli.json')['projects'] as Record<string, NestProject>;
  const imports = json('package.json')['imports'] as Record<
    string,
    { source: string; default: string }
  >;

  it('maps every lib, and only libs, to #name in package.json imports, source and build', () => {
    expect(Object.keys(imports).sort()).toEqual(libs.map((lib) => `#${lib}`));
    for (const lib of libs) {
      expect(imports[`#${lib}`]).toEqual({
        source: `./libs/${lib}/src/index.ts`,
        default: `./dist/libs/${lib}/src/index.js`,
      });
      expect(existsSync(join(root, 'libs', lib, 'src', 'index.ts'))).toBe(true);
    }
  });

  it('lists every lib and every app in nest-cli.json, with its own root', () => {
    const libraries = Object.keys(projects).filter((name) => projects[name]?.type === 'library');
    const applications = Object.keys(projects).filter(
      (name) => projects[name]?.type === 'application',
    );
    expect(libraries.sort()).toEqual(libs);
    expect(applications.sort()).toEqual(apps);
    for (const lib of libs) {
      expect(projects[lib]).toMatchObject({ root: `libs/${lib}`, sourceRoot: `libs/${lib}/src` });
    }
    for (const app of apps) expect(projects[app]?.root).toBe(`apps/${app}`);
  });
});
