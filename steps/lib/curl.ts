// Assertions shared by the article's steps that run the same line (05, 12 and 14 are one curl).
import { equal, truthy, type Assertion } from '../../src/core/step.js'
import type { APIVersions, Status } from '../../src/core/parse/json.js'

export const CURL_API = 'curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --insecure'
/** The same call verifying the server against the kubeconfig's CA (written by the runner to $KUBEWALK_CACERT). */
export const CURL_API_STRICT_TLS = 'curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --cacert "$KUBEWALK_CACERT"'

/** The article's success: the token was accepted and /api listed the core group's versions. */
export function apiVersionsChecks(answer: { kind: string }): Assertion[] {
  const versions = (answer as Partial<APIVersions>).versions
  return [
    equal('kind is APIVersions (the token was accepted)', 'APIVersions', answer.kind),
    truthy('versions lists v1', Array.isArray(versions) && versions.includes('v1'), versions, ['v1']),
  ]
}

/** The article's refusal: a Status with code 401, reason Unauthorized. */
export function unauthorizedChecks(answer: { kind: string }): Assertion[] {
  const s = answer as Partial<Status>
  return [
    equal('kind is Status', 'Status', answer.kind),
    equal('code is 401', 401, s.code),
    equal('reason is Unauthorized', 'Unauthorized', s.reason),
  ]
}
