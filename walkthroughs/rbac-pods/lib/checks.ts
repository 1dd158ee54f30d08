// The answers rbac-pods expects from the API server: a refusal naming the ServiceAccount, or a PodList.
import { parseJsonObject, type Status } from '../../../src/core/parse/json.js'
import { ParseError } from '../../../src/core/errors.js'
import { equal, truthy, type Assertion, type StepOutput } from '../../../src/core/step.js'
import { account } from './vars.js'

/** The line every curl step runs: the pods of the namespace, with the token, --insecure as the article does. */
export const CURL_PODS = 'curl -X GET "$APISERVER/api/v1/namespaces/$NAMESPACE/pods" --header "Authorization: Bearer $TOKEN" --insecure'
export const CURL_PODS_STRICT_TLS =
  'curl -X GET "$APISERVER/api/v1/namespaces/$NAMESPACE/pods" --header "Authorization: Bearer $TOKEN" --cacert "$KUBEWALK_CACERT"'

export interface PodsAnswer {
  kind: string
  code?: number
  reason?: string
  message?: string
  items?: unknown[]
}

export function parsePodsAnswer(stepId: string, out: StepOutput): PodsAnswer {
  const obj = parseJsonObject(stepId, out.stdout)
  if (typeof obj.kind !== 'string') throw new ParseError(stepId, 'the JSON has no "kind"; expected PodList or Status', out.stdout)
  return obj as unknown as PodsAnswer
}

/** 403: authenticated (the token is fine) but not authorized, and the message says who was refused what. */
export function forbiddenChecks(answer: PodsAnswer, namespace: string): Assertion[] {
  const s = answer as Partial<Status>
  return [
    equal('kind is Status', 'Status', answer.kind),
    equal('code is 403', 403, s.code),
    equal('reason is Forbidden', 'Forbidden', s.reason),
    truthy(`the message names ${account(namespace)}`, (s.message ?? '').includes(`"${account(namespace)}"`), s.message),
    truthy('the message says it cannot list pods', /cannot list resource "pods"/.test(s.message ?? ''), s.message),
  ]
}

/** 200: the RoleBinding lets the ServiceAccount list the namespace's pods. */
export function podListChecks(answer: PodsAnswer): Assertion[] {
  return [
    equal('kind is PodList (the API server let the ServiceAccount list pods)', 'PodList', answer.kind),
    truthy('has items (a list, maybe empty)', Array.isArray(answer.items), answer.items === undefined ? undefined : `${answer.items.length} item(s)`),
  ]
}
