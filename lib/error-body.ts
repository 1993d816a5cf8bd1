/**
 * The body of an error decision, as the senders write it and `responses()` shows it in examples.
 *
 * @module
 */
import { serializeOAuthError, serializeProblem } from './body.js'
import type { ErrorDecision } from './decision.js'
import type { LocaleText } from './locales.js'
import type { Memo } from './memo.js'

/**
 * The body of an error decision: the one compiled at registration when only the description may
 * differ (the description goes between its two halves), the serializer otherwise.
 */
export function errorBody (decision: ErrorDecision, memo?: Memo): string {
  const { compiled, variant, description } = decision
  const problem = decision.format === 'problem'
  if (variant !== undefined && decision.uri === compiled.uri && decision.instance === undefined && decision.hint === undefined && decision.debug === undefined) {
    if (description === variant.description) return problem ? variant.problemBody : variant.oauthBody
    // The inputs of this body are the variant, the format and the description: the memo's whole key.
    let body = memo?.get(variant, decision.format, description, undefined, '')
    if (body === undefined) {
      const [open, close] = problem ? variant.problemAround : variant.oauthAround
      body = open + description + close
      memo?.set(variant, decision.format, description, undefined, '', body)
    }
    return body
  }
  return problem
    ? serializeProblem({
      type: compiled.problemType,
      title: variant?.title ?? compiled.title,
      status: decision.status,
      detail: description,
      instance: decision.instance,
      error: compiled.code,
      code: compiled.entry.code,
      hint: decision.hint,
      debug: decision.debug
    })
    : serializeOAuthError({ error: compiled.code, error_description: description, error_uri: decision.uri, error_hint: decision.hint, error_debug: decision.debug })
}

/**
 * A problem body in another language (RULES P2): `title` and `detail` from the locale, where the
 * call brought no description of its own; every other member as {@link errorBody} writes it.
 * Locale texts are free text, so this body goes through JSON.stringify.
 */
export function localProblemBody (decision: ErrorDecision, text: LocaleText): string {
  const { compiled, variant } = decision
  const ownDescription = decision.description !== (variant?.description ?? compiled.entry.description)
  // The locale's texts where it has them (every code of the resolved catalog has both), the code's otherwise.
  const texts = { title: variant?.title ?? compiled.title, description: decision.description, ...text }
  return JSON.stringify({
    type: compiled.problemType,
    title: texts.title,
    status: decision.status,
    detail: ownDescription ? decision.description : texts.description,
    instance: decision.instance,
    error: compiled.code,
    code: compiled.entry.code,
    hint: decision.hint,
    debug: decision.debug
  })
}
