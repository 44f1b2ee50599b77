// A minimal client of treem's /graphql: fetch, a bearer token, and the result
// type that graphql-codegen derived from the operation and the schema.
import type { TypedDocumentString } from "./gql/graphql.js";

/** GraphQLError is one entry of a response's errors, as treem sends it. */
export interface GraphQLError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** RequestError is thrown when treem answers with errors and no usable data. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: readonly GraphQLError[],
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** Client sends typed operations to one treem server with one token. */
export class Client {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /**
   * execute runs an operation made by graphql(`…`) and returns its data,
   * typed from the schema. Any error in the answer is thrown: a page with a
   * hole in it is not worth drawing for this example.
   */
  async execute<TResult, TVariables>(
    operation: TypedDocumentString<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${this.token}`,
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json",
      },
      body: JSON.stringify({ query: operation.toString(), variables }),
    }).catch((err: unknown) => {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, …) is its cause.
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new Error(`${this.url}: ${cause}`);
    });
    const type = response.headers.get("Content-Type") ?? "";
    if (!type.includes("json")) {
      throw new RequestError(`${this.url}: HTTP ${response.status} ${response.statusText}`, response.status, []);
    }
    const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLError[] };
    const errors = body.errors ?? [];
    if (errors.length > 0 || body.data == null) {
      const codes = errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("; ");
      throw new RequestError(codes || `HTTP ${response.status}: no data`, response.status, errors);
    }
    return body.data;
  }
}
