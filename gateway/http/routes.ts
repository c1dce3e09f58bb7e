/**
 * The route table of the HTTP bridge: each route is one definition (method, path, zod schemas for
 * query and body, responses, handler) from which both the Hono routes and the OpenAPI document
 * (GET /api/openapi.json) are generated, so the two cannot drift. Bodies and queries are
 * validated here and bad ones answer 400 with a message naming the field.
 */

import type { Context, Hono } from "hono";
import { z } from "zod";
import { badRequest } from "./errors.ts";

export type Method = "get" | "put" | "post" | "patch" | "delete";

export interface RouteInput<Q, B> {
  params: Record<string, string>;
  query: Q;
  body: B;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<Q = unknown, B = unknown> {
  method: Method;
  /** Hono pattern, e.g. "/api/clients/:ep". */
  path: string;
  /** The same path in OpenAPI form, e.g. "/api/clients/{ep}". */
  openapiPath: string;
  summary: string;
  description?: string;
  tag: string;
  params?: Record<string, string>;
  query?: z.ZodType<Q>;
  /** JSON body schema; `text` takes the raw text body, `bytes` the raw bytes. */
  body?: z.ZodType<B> | "text" | "bytes";
  responses: Record<number, ResponseSpec>;
  handler: (c: Context, input: RouteInput<Q, B>) => Response | Promise<Response>;
}

/** Declares a route with its types inferred from the schemas. */
export function route<Q = Record<string, never>, B = undefined>(spec: RouteSpec<Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function issues(error: z.ZodError, where: string): string {
  return error.issues.map((i) =>
    `${where}${i.path.length ? "." + i.path.join(".") : ""}: ${i.message}`
  ).join("; ");
}

/** JSON.parse's message without the echo of the input (a body may hold a key or token). */
function jsonErrorMessage(e: Error): string {
  return e.message.replace(/^Unexpected token .*? is not valid JSON$/s, "unexpected token");
}

async function readBody(c: Context, spec: RouteSpec): Promise<unknown> {
  if (!spec.body) return undefined;
  if (spec.body === "text") return await c.req.text();
  if (spec.body === "bytes") return new Uint8Array(await c.req.arrayBuffer());
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body is not valid JSON: ${jsonErrorMessage(e as Error)}`);
  }
  const parsed = spec.body.safeParse(json);
  if (!parsed.success) throw badRequest(issues(parsed.error, "body"));
  return parsed.data;
}

/** Registers every route on the Hono app, in order (specific paths before general ones). */
export function mount(app: Hono, specs: readonly RouteSpec[]): void {
  for (const spec of specs) {
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      let query: unknown = {};
      if (spec.query) {
        const parsed = spec.query.safeParse(c.req.query());
        if (!parsed.success) throw badRequest(issues(parsed.error, "query"));
        query = parsed.data;
      }
      const body = await readBody(c, spec);
      return await spec.handler(c, {
        params: c.req.param() as Record<string, string>,
        query,
        body,
      });
    });
  }
}

/** The OpenAPI 3.1 document generated from the route table. */
export function openApiDocument(
  specs: readonly RouteSpec[],
  info: { title: string; version: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const parameters: unknown[] = [];
    for (const [name, description] of Object.entries(spec.params ?? {})) {
      parameters.push({
        name,
        in: "path",
        required: true,
        description,
        schema: { type: "string" },
      });
    }
    if (spec.query && spec.query instanceof z.ZodObject) {
      const shape = (spec.query as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [name, schema] of Object.entries(shape)) {
        parameters.push({
          name,
          in: "query",
          required: !schema.safeParse(undefined).success,
          description: schema.description,
          schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
        });
      }
    }
    const operation: Record<string, unknown> = {
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      parameters,
      responses: Object.fromEntries(
        Object.entries(spec.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.schema
              ? {
                content: {
                  [r.contentType ?? "application/json"]: {
                    schema: z.toJSONSchema(r.schema, { unrepresentable: "any" }),
                  },
                },
              }
              : {}),
          },
        ]),
      ),
    };
    if (spec.body) {
      const content = spec.body === "text"
        ? { "text/plain": { schema: { type: "string" } } }
        : spec.body === "bytes"
        ? { "application/octet-stream": { schema: { type: "string", format: "binary" } } }
        : {
          "application/json": {
            schema: z.toJSONSchema(spec.body, { io: "input", unrepresentable: "any" }),
          },
        };
      operation.requestBody = { required: true, content };
    }
    (paths[spec.openapiPath] ??= {})[spec.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
