// Workspace checks run by `nx run workspace:check` (part of `npm test`):
//  1. workspace.json, Nx's project list and the project folders on disk agree;
//  2. imports respect the dependency direction in tools/workspace/boundaries.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkBoundaries, type DepConstraint } from './boundaries';
import { compareProjectSets, projectLikeFolders, readWorkspaceJson } from './workspace-map';

const workspaceRoot = resolve(__dirname, '..', '..', '..');

function nxProjectNames(): string[] {
  const out = execFileSync(join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'projects', '--json'], {
    cwd: workspaceRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

function main(): void {
  const projects = readWorkspaceJson(workspaceRoot);
  const { depConstraints } = JSON.parse(
    readFileSync(join(workspaceRoot, 'tools', 'workspace', 'boundaries.json'), 'utf8'),
  ) as { depConstraints: DepConstraint[] };
  const problems = [
    ...compareProjectSets(projects, nxProjectNames(), projectLikeFolders(workspaceRoot)),
    ...checkBoundaries(workspaceRoot, projects, depConstraints),
  ];
  if (problems.length > 0) {
    for (const p of problems) console.error(`workspace check: ${p}`);
    process.exit(1);
  }
  console.log(`workspace check: ${projects.length} projects in workspace.json match Nx; boundaries respected`);
}

main();
