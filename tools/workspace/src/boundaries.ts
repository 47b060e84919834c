import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import type { ProjectEntry } from './workspace-map';

export interface DepConstraint {
  sourceTag: string;
  onlyDependOnLibsWithTags: string[];
}

export interface ImportSite {
  file: string;
  line: number;
  specifier: string;
}

/**
 * Module specifiers imported by a TS/JS source text (static, side-effect, re-export, dynamic
 * import and require), with 1-based line numbers. TypeScript's own pre-processor finds them, so
 * text inside strings and comments is not mistaken for an import.
 */
export function findImports(file: string, text: string): ImportSite[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((ref) => ({ file, line: text.slice(0, ref.pos).split('\n').length, specifier: ref.fileName }));
}

/** Source files of a project, skipping dependencies, fixtures and build output. */
export function sourceFiles(workspaceRoot: string, projectRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', 'fixtures', 'coverage'].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(c|m)?(t|j)s$/.test(entry.name)) out.push(path);
    }
  };
  walk(join(workspaceRoot, projectRoot));
  return out;
}

/** Which project an import points at, or undefined for external packages. */
export function importTarget(
  site: ImportSite,
  workspaceRoot: string,
  projects: ProjectEntry[],
): { project: ProjectEntry; deep: boolean } | undefined {
  if (site.specifier.startsWith('@kestrel/')) {
    const [, name, ...rest] = site.specifier.split('/');
    const project = projects.find((p) => p.name === name);
    if (!project) return undefined;
    return { project, deep: rest.length > 0 };
  }
  if (site.specifier.startsWith('.')) {
    const target = relative(workspaceRoot, resolve(dirname(site.file), site.specifier));
    const project = owningProject(target, projects);
    return project ? { project, deep: true } : undefined;
  }
  return undefined;
}

export function owningProject(pathFromRoot: string, projects: ProjectEntry[]): ProjectEntry | undefined {
  const normalized = pathFromRoot.split(sep).join('/');
  return projects
    .filter((p) => normalized === p.root || normalized.startsWith(`${p.root}/`))
    .sort((a, b) => b.root.length - a.root.length)[0];
}

/** Boundary violations of one import made by `source`. */
export function checkImport(
  source: ProjectEntry,
  site: ImportSite,
  workspaceRoot: string,
  projects: ProjectEntry[],
  constraints: DepConstraint[],
): string[] {
  const target = importTarget(site, workspaceRoot, projects);
  if (!target || target.project.name === source.name) return [];
  const where = `${relative(workspaceRoot, site.file)}:${site.line}`;
  const problems: string[] = [];
  if (target.deep) {
    problems.push(`${where}: imports "${site.specifier}", reaching inside project "${target.project.name}"; import "@kestrel/${target.project.name}" instead`);
  }
  for (const rule of constraints) {
    if (!source.tags.includes(rule.sourceTag)) continue;
    if (!target.project.tags.some((t) => rule.onlyDependOnLibsWithTags.includes(t))) {
      problems.push(
        `${where}: project "${source.name}" (${rule.sourceTag}) may only depend on projects tagged ` +
          `${rule.onlyDependOnLibsWithTags.join(' | ')}, but imports "${target.project.name}" (${target.project.tags.join(', ')})`,
      );
    }
  }
  return problems;
}

/** All boundary violations in the workspace, plus dependency cycles between projects. */
export function checkBoundaries(workspaceRoot: string, projects: ProjectEntry[], constraints: DepConstraint[]): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const source of projects) {
    const deps = new Set<string>();
    edges.set(source.name, deps);
    for (const file of sourceFiles(workspaceRoot, source.root)) {
      for (const site of findImports(file, readFileSync(file, 'utf8'))) {
        problems.push(...checkImport(source, site, workspaceRoot, projects, constraints));
        const target = importTarget(site, workspaceRoot, projects);
        if (target && target.project.name !== source.name) deps.add(target.project.name);
      }
    }
  }
  const cycle = findCycle(edges);
  if (cycle) problems.push(`dependency cycle between projects: ${cycle.join(' -> ')}`);
  return problems;
}

/** One cycle in a dependency graph, as a path that returns to its start, or undefined. */
export function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return undefined;
}
