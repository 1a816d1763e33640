/**
 * `repo_file`: one file of a catalog service's repository, on its default branch, read through the services context
 * with Apollo's GitHub credentials (read-only; the model holds none). A pull request (`open_pull_request`) replaces
 * whole files, so the model reads a file here before it proposes a change to it: the text answered is the whole
 * file, or says it is not (`complete: false`), and then it is no base for a change.
 */
import { readRepositoryFile } from '#functions/services/public';
import { defineTool } from './define.ts';
import { objectSchema, SERVICE } from './input.ts';

/** The most characters of a file answered; the tool's output limit is above it, so the JSON around it is never cut. */
export const REPO_FILE_CHARS = 30_000;

export const repoFile = defineTool<{ service: string; path: string }>({
  name: 'repo_file',
  description: "One file of a service's repository on its default branch (e.g. src/main/resources/application.yml), with its blob sha. Read a file whole here before proposing a change to it with open_pull_request, which replaces each file it names with the content given. complete: false means the file was longer than what is shown: do not propose a change that rewrites it.",
  inputSchema: objectSchema({
    service: SERVICE,
    path: { type: 'string', minLength: 1, maxLength: 400, pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]+$', description: 'The path in the repository, without a leading slash.' },
  }, ['service', 'path']),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 15_000,
  outputLimit: REPO_FILE_CHARS + 2_000,
  async run({ service, path }) {
    const file = await readRepositoryFile(service, path);
    if (!file) return { service, path, found: false, problem: `${service}'s repository has no ${path} on its default branch` };
    const complete = file.text.length <= REPO_FILE_CHARS;
    return {
      service, repository: file.repository, branch: file.branch, path, sha: file.sha, found: true, characters: file.text.length, complete,
      text: complete ? file.text : file.text.slice(0, REPO_FILE_CHARS),
    };
  },
});
