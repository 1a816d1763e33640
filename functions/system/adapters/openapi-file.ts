/**
 * The OpenAPI document from the file `npm run gen:schemas` writes (schemas/openapi.gen.json; in
 * Lambda a copy beside the bundle), read once on first use: 180 KB of JSON the bundle does not carry.
 */
import { readFile } from 'node:fs/promises';
import type { OpenApiDocument } from '#schemas/index.ts';
import type { OpenApiSource } from '../ports.ts';

export class OpenApiFile implements OpenApiSource {
  private parsed: Promise<OpenApiDocument> | undefined;

  constructor(private readonly path: string) {}

  async document(serverUrl: string): Promise<OpenApiDocument> {
    this.parsed ??= readFile(this.path, 'utf8').then((text) => JSON.parse(text) as OpenApiDocument);
    return { ...(await this.parsed), servers: [{ url: serverUrl, description: 'The Apollo this document was read from' }] };
  }
}
