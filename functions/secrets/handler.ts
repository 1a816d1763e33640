/** The secrets context: AWS Secrets Manager per environment, as the caller; metadata cached; values never out. */
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import { idempotency } from '#lib/idempotency';
import validators from '#schemas/validators/secrets.gen.cjs';
import { expiringDashboard, secretsAudit } from './dashboard.ts';
import {
  createSecret, deleteSecret, getSecret, listSecrets, restoreSecret, rollbackSecret, rotateSecret, secretHistory, updateSecret,
  type SecretPath, type SecretsCaller,
} from './secrets.ts';
import { secretName } from './ports.ts';

const callerOf = (req: ApiRequest<unknown, unknown>): SecretsCaller => ({
  principal: req.identity.principal, role: req.identity.role, teams: req.teams, requestId: req.requestId, idempotencyKey: req.headers['idempotency-key'],
});
const pathOf = (req: ApiRequest<unknown, unknown, { env: string; service: string; secret: string }>): SecretPath => ({ environment: req.params.env, service: req.params.service, name: req.params.secret });
/** The audit entry names the secret (apollo/<env>/<service>/<name>), never its value. */
const named = (req: ApiRequest<unknown, unknown, { env: string; service: string; secret: string }>): void => {
  req.audit.resourceId = secretName(req.params.env, req.params.service, req.params.secret);
};

export const handler = createApiHandler('secrets', {
  'GET /api/v1/secrets': async (req) => json(200, await listSecrets(req.query, callerOf(req))),
  'GET /api/v1/secrets/expiring': async (req) => json(200, await expiringDashboard(req.query, callerOf(req))),
  'GET /api/v1/secrets/audit': async (req) => json(200, await secretsAudit(req.query)),
  'GET /api/v1/secrets/{env}/{service}/{secret}': async (req) => json(200, await getSecret(pathOf(req), callerOf(req), req.query.reveal === true)),
  'POST /api/v1/secrets/{env}/{service}/{secret}': async (req) => {
    named(req);
    const secret = await createSecret(pathOf(req), req.body, callerOf(req));
    return json(201, secret, { location: `/api/v1/secrets/${req.params.env}/${req.params.service}/${req.params.secret}` });
  },
  'PUT /api/v1/secrets/{env}/{service}/{secret}': async (req) => {
    named(req);
    return json(200, await updateSecret(pathOf(req), req.body, callerOf(req)));
  },
  'DELETE /api/v1/secrets/{env}/{service}/{secret}': async (req) => {
    named(req);
    return json(200, await deleteSecret(pathOf(req), req.query.recoveryDays ?? 30, callerOf(req)));
  },
  'POST /api/v1/secrets/{env}/{service}/{secret}/rotate': async (req) => {
    named(req);
    return json(200, await rotateSecret(pathOf(req), callerOf(req)));
  },
  'GET /api/v1/secrets/{env}/{service}/{secret}/history': async (req) => json(200, await secretHistory(pathOf(req), callerOf(req))),
  'POST /api/v1/secrets/{env}/{service}/{secret}/rollback': async (req) => {
    named(req);
    return json(200, await rollbackSecret(pathOf(req), req.body.versionId, callerOf(req)));
  },
  'POST /api/v1/secrets/{env}/{service}/{secret}/restore': async (req) => {
    named(req);
    return json(200, await restoreSecret(pathOf(req), callerOf(req)));
  },
}, { validators, idempotency });
