import { FederationError } from '../../errors.js';
import { auditSuccess } from '../audit-request.js';
import { backendCall } from '../backend-call.js';
import { authenticateCaller } from '../caller.js';
import type { ServerContext } from '../context.js';
import { jsonReply } from '../http/exchange.js';
import type { Exchange, Reply, Route } from '../http/exchange.js';
import {
  checkPathParameter,
  checkSecretName,
  parseSecretBody,
  pathRules,
  remoteRefOf,
} from '../request-body.js';

/** `POST /secretstore/:secretStoreName/secrets/:secretName`: one secret value (SPEC §3). */
export function secretStoreRoutes(context: ServerContext): Route[] {
  const handle = async (request: Exchange): Promise<Reply> => {
    const storeName = checkPathParameter(
      request.params.secretStoreName ?? '',
      pathRules.storeName,
      'secretStoreName',
    );
    const key = checkSecretName(request.params.secretName ?? '');
    request.auditResource = { store: storeName, key };
    const body = parseSecretBody(request.body);
    request.target = { store: storeName };

    const config = context.config.current;
    const { grants } = await authenticateCaller(request, body['ca.crt'], config, context);

    const store = config.snapshot.stores.get(storeName);
    if (!grants.clusterSecretStores.has(storeName) || !store) {
      throw new FederationError('NotFound');
    }

    const value = await backendCall(
      context.options.backendTimeoutMs,
      (callOptions) => store.provider.getSecret(remoteRefOf(key, body), callOptions),
      context.metrics.storeCall(store),
    );
    await auditSuccess(request, context.audit);
    return jsonReply(value);
  };
  return [
    {
      method: 'POST',
      pattern: '/secretstore/:secretStoreName/secrets/:secretName',
      hasBody: true,
      handle,
    },
  ];
}
