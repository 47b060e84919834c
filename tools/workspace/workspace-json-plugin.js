// Local Nx plugin: makes the root workspace.json the project map Nx reads.
// Modern Nx (>= 15.7) ignores workspace.json; this plugin registers every project it lists,
// with its targets and tags, so workspace.json stays the single source of truth.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

function projectsFromWorkspaceJson(file, workspaceRoot) {
  const text = readFileSync(join(workspaceRoot, file), 'utf8');
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${err.message})`);
  }
  if (!parsed || typeof parsed.projects !== 'object') {
    throw new Error(`${file}: expected an object with a "projects" map`);
  }
  const projects = {};
  for (const [name, config] of Object.entries(parsed.projects)) {
    if (!config || typeof config.root !== 'string') {
      throw new Error(`${file}: projects.${name}.root must be a string path`);
    }
    projects[config.root] = { ...config, name };
  }
  return { projects };
}

const createNodes = [
  'workspace.json',
  (files, _options, context) =>
    files.map((file) => [file, projectsFromWorkspaceJson(file, context.workspaceRoot)]),
];

module.exports = { createNodes, createNodesV2: createNodes, projectsFromWorkspaceJson };
