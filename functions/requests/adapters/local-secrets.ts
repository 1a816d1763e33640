/**
 * Integration secrets on a laptop: `<APOLLO_HOME>/integration-secrets.json`, `{ "<name>": "<value>" }`,
 * readable by its owner only (mode 600), read on every use so an edit takes effect at once; or, with
 * no home (tests), a map in memory. The local runtime writes the local fakes' token and key here on
 * first start (local/fakes/integrations.ts).
 */
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IntegrationSecrets } from '../actions/ports.ts';

export const LOCAL_SECRETS_FILE = 'integration-secrets.json';

export class InMemoryIntegrationSecrets implements IntegrationSecrets {
  readonly kind = 'local secrets (in memory)';
  private readonly values: Map<string, string>;

  constructor(values: Readonly<Record<string, string>> = {}) {
    this.values = new Map(Object.entries(values));
  }

  get(name: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(name));
  }

  set(name: string, value: string): void {
    this.values.set(name, value);
  }
}

export class FileIntegrationSecrets implements IntegrationSecrets {
  readonly kind: string;
  readonly file: string;

  constructor(home: string) {
    this.file = join(home, LOCAL_SECRETS_FILE);
    this.kind = `local secrets file ${this.file}`;
  }

  async get(name: string): Promise<string | undefined> {
    const values = this.read();
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value in the file ({} when there is no file yet). Throws when the file is not a JSON object. */
  read(): Record<string, unknown> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return {};
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.file} is not JSON`, { cause: error });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${this.file} must hold a JSON object of names to values`);
    return parsed as Record<string, unknown>;
  }

  /** Adds or replaces values, keeping the others; written whole (temp file, rename) with mode 600. */
  write(values: Readonly<Record<string, string>>): void {
    const next = { ...this.read(), ...values };
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
  }
}

/** The runtime's shared in-memory store, for a local runtime without a home (tests): the fakes' values and the requests context read the same map. */
export const memoryIntegrationSecrets = new InMemoryIntegrationSecrets();

/** The local integration secrets: the file under `home`, or the process's in-memory store. */
export function localIntegrationSecrets(home: string | undefined): IntegrationSecrets {
  return home ? new FileIntegrationSecrets(home) : memoryIntegrationSecrets;
}
