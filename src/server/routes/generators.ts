import { generatorGrantKey } from '../../authz/index.js';
import { FederationError } from '../../errors.js';
import { generatorKey } from '../../resources/model.js';
import { auditSuccess } from '../audit-request.js';
import { authenticateCaller } from '../caller.js';
import type { ServerContext } from '../context.js';
import { issueCredentials, revokeMatching } from '../credentials.js';
import { jsonReply } from '../http/exchange.js';
import type { Exchange, Reply, Route } from '../http/exchange.js';
import { checkPathParameter, parseGeneratorBody, pathRules } from '../request-body.js';

function routeOf(request: Exchange) {
  const { generatorNamespace = '', generatorKind = '', generatorName = '' } = request.params;
  const route = {
    namespace: checkPathParameter(generatorNamespace, pathRules.namespace, 'generatorNamespace'),
    kind: checkPathParameter(generatorKind, pathRules.kind, 'generatorKind'),
    name: checkPathParameter(generatorName, pathRules.name, 'generatorName'),
  };
  const generator = generatorGrantKey(route.namespace, route.kind, route.name);
  request.target = { generator };
  request.auditResource = { generator };
  return route;
}

/**
 * `POST /generators/:ns/:kind/:name` runs a generator and records who received what;
 * `DELETE` on the same path revokes the caller's own states of it (SPEC §3).
 */
export function generatorRoutes(context: ServerContext): Route[] {
  const pattern = '/generators/:generatorNamespace/:generatorKind/:generatorName';

  const generate = async (request: Exchange): Promise<Reply> => {
    const route = routeOf(request);
    const body = parseGeneratorBody(request.body);

    const config = context.config.current;
    const caller = await authenticateCaller(request, body['ca.crt'], config, context);

    // A ClusterGenerator is cluster-scoped; the route's namespace is where its state lives.
    const lookupNamespace = route.kind === 'ClusterGenerator' ? '' : route.namespace;
    const entry = config.snapshot.generators.get(
      generatorKey(lookupNamespace, route.kind, route.name),
    );
    const isAllowed = caller.grants.generators.has(
      generatorGrantKey(route.namespace, route.kind, route.name),
    );
    if (!isAllowed || !entry) throw new FederationError('NotFound');

    const values = await issueCredentials(entry, route, caller.identity, context.credentials, () =>
      auditSuccess(request, context.audit),
    );
    return jsonReply(values);
  };

  const revoke = async (request: Exchange): Promise<Reply> => {
    const route = routeOf(request);
    const body = parseGeneratorBody(request.body);

    const config = context.config.current;
    const { identity, grants } = await authenticateCaller(request, body['ca.crt'], config, context);
    const isAllowed =
      grants.generators.has(generatorGrantKey(route.namespace, route.kind, route.name)) ||
      grants.generatorStateNamespaces.has(route.namespace);
    if (!isAllowed) throw new FederationError('NotFound');

    const revoked = await revokeMatching(
      {
        generatorNamespace: route.namespace,
        generatorKind: route.kind,
        generatorName: route.name,
        federation: identity.federation,
        issuer: identity.issuer,
        subject: identity.subject,
        podUid: identity.pod?.uid,
      },
      context.credentials,
    );
    await auditSuccess(request, context.audit);
    return jsonReply({ revoked });
  };

  return [
    { method: 'POST', pattern, hasBody: true, handle: generate },
    { method: 'DELETE', pattern, hasBody: true, handle: revoke },
  ];
}
