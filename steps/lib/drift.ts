// How the article's differences from a live run are classified (before the engine's generic rules).
import type { DriftRule } from '../../src/core/drift.js'
import { ARTICLE } from './recorded.js'

/** "v1.28": the minor of the kubectl the article ran. */
const ARTICLE_KUBECTL_MINOR = ARTICLE.kubectl.split('.').slice(0, 2).join('.')

export const articleDrift: readonly DriftRule[] = [
  { path: /^body\.text$/, kind: 'ignore', note: '' },
  // A token step's value also holds fields derived from the claims; compare the claims only, once.
  { path: /^(?!header\.|claims\.)/, steps: ['create-token', 'read-secret-token'], kind: 'ignore', note: '' },
  { path: /^body\.truncated$/, kind: 'version', note: 'kubectl cuts logged bodies longer than 1024 characters at -v=8' },
  {
    path: /^(format|body\.encoding|requestContentType)$/,
    kind: 'version',
    note: 'kubectl 1.32+ logs structured lines and sends TokenRequest as protobuf',
  },
  {
    path: /^expirationSeconds$/,
    kind: 'version',
    note: 'kubectl 1.32+ logs a protobuf body, cut at -v=8 before spec.expirationSeconds',
    when: (l) => l.get('body.encoding') === 'protobuf' && !l.has('expirationSeconds'),
  },
  { path: /^(expirationSeconds|tokenLifetime)$/, kind: 'real', note: "the server's default token lifetime differs from the article's 3600 s" },
  // Another patch release of the article's kubectl minor is the same client as far as the article goes.
  {
    path: /^userAgent$/,
    kind: 'expected',
    note: `another patch release of kubectl ${ARTICLE_KUBECTL_MINOR}`,
    when: (l) => String(l.get('userAgent')).includes(`/${ARTICLE_KUBECTL_MINOR}.`),
  },
  { path: /^userAgent$/, kind: 'version', note: 'another kubectl build' },
  { path: /^claims\.jti$/, kind: 'version', note: 'bound tokens carry a jti claim from Kubernetes 1.30 on' },
  { path: /^claims\.kubernetes\.io\.(node|warnafter)/, kind: 'version', note: 'newer API servers add these bound-token claims' },
  { path: /^secret\.metadata\.labels/, kind: 'version', note: 'API servers from 1.29 on label legacy token Secrets with their last use' },
  { path: /^secret\.data\./, kind: 'expected', note: 'Secret data is per cluster (CA, token); values not shown', hideValues: true },
  {
    path: /^(header\.kid|claims\.(exp|iat|nbf|iss|aud(\[\d+\])?)|claims\..*uid)$/,
    kind: 'expected',
    note: "the cluster's signing key, issuer, audiences, ids and the time of the run",
  },
  { path: /^rows\[\d+\]/, kind: 'expected', note: 'cluster names and addresses are per cluster' },
  { path: /^value$/, steps: ['set-cluster-name', 'apiserver-url'], kind: 'expected', note: 'cluster names and addresses are per cluster' },
  { path: /^\[\d+\]\./, steps: ['list-secrets-before'], kind: 'expected', note: 'other Secrets in the namespace' },
  { path: /^value$/, steps: ['apply-token-secret', 'delete-token-secret'], kind: 'version', note: 'this kubectl words the message differently' },
]
