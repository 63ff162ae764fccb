// The typed API clients of @kubernetes/client-node, sending through our one connection pool (and
// so through its rate limit and timeouts) instead of opening a connection per request.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  ApiregistrationV1Api,
  AppsV1Api,
  AuthorizationV1Api,
  CertificatesV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  RequestContext,
  StorageV1Api,
  ResponseContext,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
  wrapHttpLibrary,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';
import type { ApiConnection } from './connection.ts';

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  authz: AuthorizationV1Api;
  coordination: CoordinationV1Api;
  networking: NetworkingV1Api;
  discovery: DiscoveryV1Api;
  storage: StorageV1Api;
  rbac: RbacAuthorizationV1Api;
  admission: AdmissionregistrationV1Api;
  apiregistration: ApiregistrationV1Api;
  apiextensions: ApiextensionsV1Api;
  certificates: CertificatesV1Api;
  // Custom resources (Gateway API, cert-manager, CNI CRDs) by group, version and plural.
  custom: CustomObjectsApi;
  version: VersionApi;
}

export function createKubeClients(connection: ApiConnection): KubeClients {
  const auth: SecurityAuthentication = {
    getName: () => 'shakedown connection',
    async applySecurityAuthentication(context: RequestContext) {
      for (const [name, value] of Object.entries(await connection.authHeaders())) context.setHeaderParam(name, value);
    },
  };
  const httpApi = wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      const url = new URL(request.getUrl());
      const body = request.getBody();
      if (body !== undefined && typeof body !== 'string') throw new Error('only JSON request bodies are supported');
      const response = await connection.send({
        method: request.getHttpMethod().toString() as Dispatcher.HttpMethod,
        path: `${url.pathname}${url.search}`,
        headers: request.getHeaders(),
        ...(body === undefined ? {} : { body }),
        ...(request.getSignal() === undefined ? {} : { signal: request.getSignal() }),
      });
      return new ResponseContext(response.status, response.headers, {
        text: () => Promise.resolve(response.text),
        binary: () => Promise.resolve(Buffer.from(response.text)),
        // Watches and log streams do not go through these clients.
        stream: () => null,
      });
    },
  });
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(connection.server, {}),
    authMethods: { default: auth },
    httpApi,
  });
  return {
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    authz: new AuthorizationV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    discovery: new DiscoveryV1Api(configuration),
    storage: new StorageV1Api(configuration),
    rbac: new RbacAuthorizationV1Api(configuration),
    admission: new AdmissionregistrationV1Api(configuration),
    apiregistration: new ApiregistrationV1Api(configuration),
    apiextensions: new ApiextensionsV1Api(configuration),
    certificates: new CertificatesV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    version: new VersionApi(configuration),
  };
}
