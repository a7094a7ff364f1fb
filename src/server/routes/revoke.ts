import type { Identity } from '../../authn/identity.js';
import { FederationError } from '../../errors.js';
import type { StateFilter } from '../../state/state-store.js';
import { auditSuccess } from '../audit-request.js';
import { authenticateCaller } from '../caller.js';
import type { ServerContext } from '../context.js';
import { revokeMatching } from '../credentials.js';
import { jsonReply } from '../http/exchange.js';
import type { Exchange, Reply, Route } from '../http/exchange.js';
import type { RevokeBody } from '../request-body.js';
import { checkPathParameter, parseRevokeBody, pathRules } from '../request-body.js';

/**
 * Which states a revoke-by-owner call selects. Always the route's generator namespace
 * and the caller's own federation and issuer: a client cluster never revokes another
 * cluster's states, even one that shares its issuer,
 * and no field of the body can widen the namespace (SPEC §8, defect 3).
 */
export function revokeFilter(namespace: string, body: RevokeBody, identity: Identity): StateFilter {
  const filter: StateFilter = {
    generatorNamespace: namespace,
    federation: identity.federation,
    issuer: identity.issuer,
  };
  if (body.kind !== undefined) filter.generatorKind = body.kind;
  if (body.name !== undefined) filter.generatorName = body.name;

  if (body.owner !== undefined) {
    filter.ownerName = body.owner;
    if (body.namespace !== undefined) filter.ownerNamespace = body.namespace;
    return filter;
  }
  const ownName = identity.pod?.name ?? identity.serviceAccount?.name;
  if (ownName === undefined) {
    throw new FederationError(
      'InvalidBody',
      'owner is required: the token names no pod or service account',
    );
  }
  filter.ownerName = ownName;
  filter.ownerNamespace = body.namespace ?? identity.namespace;
  return filter;
}

/** `POST /generators/:generatorNamespace/revoke` (SPEC §3). */
export function revokeRoutes(context: ServerContext): Route[] {
  const handle = async (request: Exchange): Promise<Reply> => {
    const namespace = checkPathParameter(
      request.params.generatorNamespace ?? '',
      pathRules.namespace,
      'generatorNamespace',
    );
    request.auditResource = { generatorNamespace: namespace };
    const body = parseRevokeBody(request.body);

    const config = context.config.current;
    const { identity, grants } = await authenticateCaller(request, body['ca.crt'], config, context);
    if (!grants.generatorStateNamespaces.has(namespace)) throw new FederationError('NotFound');

    const filter = revokeFilter(namespace, body, identity);
    request.auditResource = {
      generatorNamespace: namespace,
      owner: filter.ownerName,
      ownerNamespace: filter.ownerNamespace,
      generatorKind: filter.generatorKind,
      generatorName: filter.generatorName,
    };
    const revoked = await revokeMatching(filter, context.credentials);
    await auditSuccess(request, context.audit);
    return jsonReply({ revoked });
  };
  return [
    { method: 'POST', pattern: '/generators/:generatorNamespace/revoke', hasBody: true, handle },
  ];
}
