/**
 * DTLS credential routes (DESIGN.md §6 /api/security; issue 6 provisioning, used by issue 8):
 * PUT/GET/DELETE /api/security/{ep} with `{"mode":"psk","identity":"utf8","key":"hex"}` or
 * `{"mode":"nosec"}`, and GET /api/security. Keys are write-only: answers carry `"hasKey"`, never
 * the key, and messages never quote it. An identity bound to another endpoint answers 409.
 * The body schema is shared with `--security-file` (gateway/security_file.ts).
 */

import { z } from "zod";
import {
  type Credential,
  IdentityConflictError,
  publicView,
  type SecurityStore,
} from "../server/credentials.ts";
import { HttpError } from "./errors.ts";
import { route, type RouteSpec } from "./routes.ts";

/** RFC 4279 §5.3: PSK identities are UTF-8; a PSK of up to 64 bytes covers LwM2M practice. */
const HEX_KEY = /^(?:[0-9a-fA-F]{2}){1,64}$/;
const MAX_IDENTITY_BYTES = 256;
const te = new TextEncoder();

const credentialShape = {
  mode: z.enum(["psk", "nosec"]),
  identity: z.string().min(1).refine((s) => te.encode(s).length <= MAX_IDENTITY_BYTES, {
    message: `at most ${MAX_IDENTITY_BYTES} bytes of UTF-8`,
  }).optional(),
  key: z.string().regex(HEX_KEY, "must be 1..64 bytes as hex digits").optional(),
};

function pskRules(b: { mode: string; identity?: string; key?: string }, ctx: z.RefinementCtx) {
  for (const field of ["identity", "key"] as const) {
    if (b.mode === "psk" && b[field] === undefined) {
      ctx.addIssue({ code: "custom", path: [field], message: "required when mode is psk" });
    }
    if (b.mode === "nosec" && b[field] !== undefined) {
      ctx.addIssue({ code: "custom", path: [field], message: "only allowed when mode is psk" });
    }
  }
}

export const securityBody = z.object(credentialShape).strict().superRefine(pskRules);
export type SecurityBody = z.infer<typeof securityBody>;

/** One entry of the --security-file array. */
export const securityFileEntry = z.object({ endpoint: z.string().min(1), ...credentialShape })
  .strict().superRefine(pskRules);

export function credentialOf(body: SecurityBody): Credential {
  return body.mode === "psk"
    ? { mode: "psk", identity: body.identity!, key: Uint8Array.fromHex(body.key!) }
    : { mode: "nosec" };
}

const EP = { ep: "endpoint client name" };
const viewSchema = z.object({
  endpoint: z.string(),
  mode: z.enum(["psk", "nosec"]),
  identity: z.string().optional(),
  hasKey: z.boolean(),
});

function notFound(ep: string): HttpError {
  return new HttpError(404, "not_found", `no credentials for "${ep}"`);
}

export function securityRoutes(security: SecurityStore): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/security",
      openapiPath: "/api/security",
      tag: "provisioning",
      summary: "Every endpoint's DTLS credentials (without keys)",
      responses: {
        200: { description: '{"credentials":[{"endpoint","mode","identity","hasKey"}]}' },
      },
      handler: async (c) => c.json({ credentials: (await security.list()).map(publicView) }),
    }),
    route<Record<string, never>, SecurityBody>({
      method: "put",
      path: "/api/security/:ep",
      openapiPath: "/api/security/{ep}",
      tag: "provisioning",
      summary: "Set an endpoint's DTLS credentials (the key is write-only)",
      params: EP,
      body: securityBody,
      responses: {
        200: { description: "replaced", schema: viewSchema },
        201: { description: "created", schema: viewSchema },
        400: { description: "bad body" },
        409: { description: "the identity is bound to another endpoint" },
      },
      handler: async (c, { params, body }) => {
        let replaced: boolean;
        try {
          replaced = await security.put(params.ep, credentialOf(body));
        } catch (e) {
          if (e instanceof IdentityConflictError) throw new HttpError(409, "conflict", e.message);
          throw e;
        }
        return c.json(publicView(security.get(params.ep)!), replaced ? 200 : 201);
      },
    }),
    route({
      method: "get",
      path: "/api/security/:ep",
      openapiPath: "/api/security/{ep}",
      tag: "provisioning",
      summary: "An endpoint's DTLS credentials (hasKey instead of the key)",
      params: EP,
      responses: {
        200: { description: "credentials", schema: viewSchema },
        404: { description: "none" },
      },
      handler: async (c, { params }) => {
        await security.ready();
        const found = security.get(params.ep);
        if (!found) throw notFound(params.ep);
        return c.json(publicView(found));
      },
    }),
    route({
      method: "delete",
      path: "/api/security/:ep",
      openapiPath: "/api/security/{ep}",
      tag: "provisioning",
      summary: "Remove an endpoint's DTLS credentials",
      params: EP,
      responses: {
        200: { description: "the removed credentials", schema: viewSchema },
        404: { description: "none" },
      },
      handler: async (c, { params }) => {
        const removed = await security.delete(params.ep);
        if (!removed) throw notFound(params.ep);
        return c.json(publicView(removed));
      },
    }),
  ];
}
