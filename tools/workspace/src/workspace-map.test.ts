import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareProjectSets, projectLikeFolders, readWorkspaceJson, type ProjectEntry } from './workspace-map';

// The Nx plugin is plain CommonJS so Nx can load it without a TS toolchain.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const plugin = require('../workspace-json-plugin.js') as {
  createNodes: [string, (files: string[], o: unknown, ctx: { workspaceRoot: string }) => [string, { projects: Record<string, { name: string }> }][]];
};

function tempWorkspace(workspaceJson: unknown, folders: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'kestrel-map-'));
  writeFileSync(join(root, 'workspace.json'), JSON.stringify(workspaceJson));
  for (const f of folders) mkdirSync(join(root, f, 'src'), { recursive: true });
  return root;
}

describe('workspace.json plugin', () => {
  it('registers every listed project under its root', () => {
    const root = tempWorkspace({ version: 2, projects: { norm: { root: 'libs/norm', tags: ['layer:core'] } } }, []);
    const [glob, create] = plugin.createNodes;
    expect(glob).toBe('workspace.json');
    const [[file, result]] = create(['workspace.json'], undefined, { workspaceRoot: root }) as [[string, { projects: Record<string, { name: string }> }]];
    expect(file).toBe('workspace.json');
    expect(result.projects['libs/norm']).toMatchObject({ name: 'norm', root: 'libs/norm', tags: ['layer:core'] });
  });

  it('names the field when a project has no root', () => {
    const root = tempWorkspace({ projects: { norm: { tags: [] } } }, []);
    expect(() => plugin.createNodes[1](['workspace.json'], undefined, { workspaceRoot: root })).toThrow(
      'workspace.json: projects.norm.root must be a string path',
    );
  });
});

describe('compareProjectSets', () => {
  const mapped: ProjectEntry[] = [{ name: 'norm', root: 'libs/norm', tags: ['layer:core'] }];

  it('is quiet when all three views agree', () => {
    expect(compareProjectSets(mapped, ['norm'], ['libs/norm'])).toEqual([]);
  });

  it('reports projects missing from workspace.json, from Nx, or without a layer tag', () => {
    const root = tempWorkspace({ projects: {} }, ['libs/norm', 'libs/ops', 'apps/trainer']);
    const folders = projectLikeFolders(root);
    expect(folders).toEqual(['apps/trainer', 'libs/norm', 'libs/ops']);
    const problems = compareProjectSets([{ name: 'norm', root: 'libs/norm', tags: [] }], ['norm', 'ops'], folders);
    expect(problems).toEqual([
      'Nx knows project "ops" but workspace.json does not list it',
      'folder apps/trainer looks like a project but is missing from workspace.json',
      'folder libs/ops looks like a project but is missing from workspace.json',
      'workspace.json project "norm": needs exactly one layer:* tag, has 0',
    ]);
  });

  it('reads tags and validates workspace.json fields', () => {
    const root = tempWorkspace({ projects: { norm: { root: 'libs/norm', tags: 'x' } } }, []);
    expect(() => readWorkspaceJson(root)).toThrow(/workspace.json: projects.norm.tags must be an array of strings/);
  });
});
