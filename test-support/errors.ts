import { isOkoError, type OkoError } from '@oko/shared';

/** An HTTP answer already read: what the backend tests' `api()` helper returns. */
export interface Answer<T = any> {
  status: number;
  headers?: Headers;
  body: T;
}

/**
 * Asserts the one error shape of every service (README "Errors"): the status, a body
 * `{error:{code, message}}` with a non-empty message, and no stack trace. Takes a fetch Response
 * or an answer already read; returns the message so a test can check what it says.
 */
export async function expectErrorAnswer(answer: Response | Answer, status: number, code: string): Promise<string> {
  let text: string;
  let body: any;
  if (answer instanceof Response) {
    text = await answer.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } else {
    body = answer.body;
    text = typeof body === 'string' ? body : JSON.stringify(body);
  }
  if (answer.status !== status || body?.error?.code !== code)
    throw new Error(`expected HTTP ${status} ${code}, got ${answer.status}: ${text}`);
  if (typeof body.error.message !== 'string' || body.error.message.length === 0) throw new Error(`no message in ${text}`);
  if (/(\n|\\n)\s+at /.test(text)) throw new Error(`stack trace in answer: ${text}`);
  return body.error.message as string;
}

/** The OkoError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function okoRejection(promise: Promise<unknown>): Promise<OkoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isOkoError(error)) throw new Error(`expected an OkoError, got ${String(error)}`);
  return error;
}
