// The generic parsers (kubewalk/parse): kubectl tables, the API server's JSON, YAML objects, JWTs, curl's stderr.
export { parseKubectlTable, parseClusterTable } from './tables.js'
export { parseJsonObject, parseApiAnswer } from './json.js'
export { parseKubeObject, parseKubeList, secretDataValues } from './yaml.js'
export { decodeToken, classifyToken, LEGACY_ISSUER } from './jwt.js'
export { withoutProgressMeter } from './curl.js'

export type { ClusterRow } from './tables.js'
export type { APIVersions, Status } from './json.js'
export type { KubeObject } from './yaml.js'
export type { DecodedToken, TokenKind } from './jwt.js'
