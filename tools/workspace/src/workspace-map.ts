import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProjectEntry {
  name: string;
  root: string;
  tags: string[];
}

/** Reads the project map from workspace.json, with errors naming the file and field. */
export function readWorkspaceJson(workspaceRoot: string): ProjectEntry[] {
  const file = join(workspaceRoot, 'workspace.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { projects?: Record<string, { root?: unknown; tags?: unknown }> };
  if (!parsed.projects || typeof parsed.projects !== 'object') {
    throw new Error(`${file}: expected a "projects" object`);
  }
  return Object.entries(parsed.projects).map(([name, config]) => {
    if (typeof config.root !== 'string') throw new Error(`${file}: projects.${name}.root must be a string`);
    const tags = config.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
      throw new Error(`${file}: projects.${name}.tags must be an array of strings`);
    }
    return { name, root: config.root, tags: tags as string[] };
  });
}

/** Folders under libs/, apps/ and tools/ that look like projects (have src/, project.json or package.json). */
export function projectLikeFolders(workspaceRoot: string): string[] {
  const found: string[] = [];
  for (const top of ['libs', 'apps', 'tools']) {
    const dir = join(workspaceRoot, top);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const root = `${top}/${entry.name}`;
      if (['src', 'project.json', 'package.json'].some((marker) => existsSync(join(workspaceRoot, root, marker)))) {
        found.push(root);
      }
    }
  }
  return found.sort();
}

/** Problems when workspace.json, Nx's project list and the folders on disk disagree. */
export function compareProjectSets(mapped: ProjectEntry[], nxProjects: string[], folders: string[]): string[] {
  const problems: string[] = [];
  const mappedNames = new Set(mapped.map((p) => p.name));
  const mappedRoots = new Set(mapped.map((p) => p.root));
  for (const name of nxProjects) {
    if (!mappedNames.has(name)) problems.push(`Nx knows project "${name}" but workspace.json does not list it`);
  }
  for (const name of mappedNames) {
    if (!nxProjects.includes(name)) problems.push(`workspace.json lists "${name}" but Nx does not load it`);
  }
  for (const root of folders) {
    if (!mappedRoots.has(root)) problems.push(`folder ${root} looks like a project but is missing from workspace.json`);
  }
  for (const p of mapped) {
    if (!folders.includes(p.root)) problems.push(`workspace.json project "${p.name}": root ${p.root} has no src/ folder`);
    const layers = p.tags.filter((t) => t.startsWith('layer:'));
    if (layers.length !== 1) problems.push(`workspace.json project "${p.name}": needs exactly one layer:* tag, has ${layers.length}`);
  }
  return problems;
}
