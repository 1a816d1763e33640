/**
 * The local stand-in for the S3 Object Lock bucket: a directory ($APOLLO_HOME/audit-archive). It keeps
 * the bucket's contract (a key is written once, whole, and never overwritten) but not its guarantee:
 * anyone with the file system can change or delete these files. Not for AWS.
 */
import { randomUUID } from 'node:crypto';
import { access, link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConflictError } from '#shared/errors';
import { logger } from '#lib/observability';
import type { AuditArchive } from '../ports.ts';

const isCode = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException | undefined)?.code === code;

export class FileAuditArchive implements AuditArchive {
  readonly dir: string;
  private announced = false;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** The file of `key`, refusing keys that would leave the archive directory. */
  pathOf(key: string): string {
    const path = resolve(this.dir, key);
    const inside = relative(this.dir, path);
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) throw new Error(`archive key ${key} is outside ${this.dir}`);
    return path;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
  }

  async put(key: string, body: string): Promise<void> {
    if (!this.announced) {
      this.announced = true;
      logger.warn('audit archive is a local directory, the stand-in for the S3 Object Lock bucket: write-once by contract, not protected', { dir: this.dir });
    }
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside, then linked into place: link() fails if the name exists, so a file is never
    // overwritten and never seen half-written, as with S3's conditional PUT.
    const temp = join(dirname(path), `.${randomUUID()}.tmp`);
    // Read-only, as a reminder that archived days are not edited.
    await writeFile(temp, body, { mode: 0o444 });
    try {
      await link(temp, path);
    } catch (error) {
      if (isCode(error, 'EEXIST')) throw new ConflictError(`${path} already exists`, { cause: error });
      throw error;
    } finally {
      await unlink(temp);
    }
  }
}

/** The archive the local runtime and `npm run job` use: one place for its directory. */
export function localAuditArchive(home: string): FileAuditArchive {
  return new FileAuditArchive(join(home, 'audit-archive'));
}
