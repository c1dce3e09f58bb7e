/**
 * Bootstrap configuration routes (DESIGN.md §6 /api/bootstrap; issue 6 provisioning, applied by
 * the bootstrap server of issue 7): PUT/GET/DELETE /api/bootstrap/{ep}, GET /api/bootstrap, and
 * POST /api/bootstrap/{ep}/trigger, which executes Bootstrap-Request Trigger /1/x/9 (LwM2M Core
 * §6.1.7 server-initiated bootstrap) on a registered client. Keys are write-only (`hasKey`).
 */

import { z } from "zod";
import { JsonValueError, valuesFromJson } from "../lwm2m/json_values.ts";
import {
  type BootstrapConfig,
  BootstrapConfigStore,
  publicConfig,
} from "../server/bootstrap_config.ts";
import { IdentityConflictError, type SecurityStore } from "../server/credentials.ts";
import {
  type ApiDeps,
  operationQuery,
  parsePath,
  performOptions,
  requireClient,
} from "./api_context.ts";
import { outcomeResponse, performOutcome } from "./client_ops.ts";
import { badRequest, HttpError } from "./errors.ts";
import { route, type RouteSpec } from "./routes.ts";

const HEX_KEY = /^(?:[0-9a-fA-F]{2}){1,64}$/;
/** /1/x/7 Binding letters (objects.md: U, T, S, N; Q queue mode; 1.2 adds M, H). */
const BINDING = /^[UTSNQMH]{1,6}$/;
const MAX_LIFETIME_SEC = 2 ** 31 - 1;

const account = {
  uri: z.string().regex(/^coaps?:\/\/[^\s/?#]+/i, "must be a coap:// or coaps:// URI"),
  securityMode: z.enum(["nosec", "psk"]),
  identity: z.string().min(1).max(256).optional(),
  key: z.string().regex(HEX_KEY, "must be 1..64 bytes as hex digits").optional(),
};

type Account = { uri: string; securityMode: string; identity?: string; key?: string };

/** psk needs identity + key and coaps://; nosec takes neither and coap://. */
function accountRules(a: Account, ctx: z.RefinementCtx): void {
  const psk = a.securityMode === "psk";
  for (const field of ["identity", "key"] as const) {
    if (psk && a[field] === undefined) {
      ctx.addIssue({ code: "custom", path: [field], message: "required when securityMode is psk" });
    }
    if (!psk && a[field] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: "only allowed with securityMode psk",
      });
    }
  }
  const secure = /^coaps:/i.test(a.uri);
  if (psk !== secure) {
    ctx.addIssue({
      code: "custom",
      path: ["uri"],
      message: psk ? "securityMode psk needs a coaps:// URI" : "securityMode nosec needs coap://",
    });
  }
}

const serverAccount = z.object({
  ...account,
  shortServerId: z.number().int().min(1).max(65534),
  lifetime: z.number().int().min(1).max(MAX_LIFETIME_SEC).default(300),
  binding: z.string().regex(BINDING, "must be binding letters such as U or UQ").default("U"),
  defaultMinPeriod: z.number().int().min(0).optional(),
  defaultMaxPeriod: z.number().int().min(1).optional(),
  notificationStoring: z.boolean().optional(),
}).strict().superRefine(accountRules);

export const bootstrapBody = z.object({
  servers: z.array(serverAccount).min(1).max(16),
  bootstrapServer: z.object(account).strict().superRefine(accountRules).optional(),
  delete: z.array(z.string().regex(/^\/(?:\d{1,5}(?:\/\d{1,5})?)?$/, "must be /, /O or /O/I"))
    .optional(),
  objects: z.record(z.string(), z.unknown()).optional().describe('e.g. {"/3311/0/5850": false}'),
}).strict().superRefine((b, ctx) => {
  const seen = new Set<number>();
  b.servers.forEach((s, i) => {
    if (seen.has(s.shortServerId)) {
      ctx.addIssue({
        code: "custom",
        path: ["servers", i, "shortServerId"],
        message: "duplicate",
      });
    }
    seen.add(s.shortServerId);
  });
});

const EP = { ep: "endpoint client name" };

function notFound(ep: string): HttpError {
  return new HttpError(404, "not_found", `no bootstrap configuration for "${ep}"`);
}

/** Checks `objects` against the models (paths and values, as a Write would). */
function checkObjects(deps: ApiDeps, objects: Record<string, unknown> | undefined): void {
  if (!objects) return;
  for (const key of Object.keys(objects)) {
    if (/^\/[01](\/|$)/.test(key)) {
      throw badRequest(`body.objects.${key}: /0 and /1 come from "servers" and "bootstrapServer"`);
    }
  }
  try {
    valuesFromJson(objects, deps.models);
  } catch (e) {
    if (e instanceof JsonValueError) throw badRequest(`body.objects: ${e.message}`);
    throw e;
  }
}

/** The /1 instance holding Bootstrap-Request Trigger: the first /1/x the client registered. */
function serverInstance(links: { path: string }[]): number {
  const ids = links.map((l) => /^\/1\/(\d+)$/.exec(l.path)?.[1]).filter((x) => x !== undefined)
    .map(Number);
  return ids.length > 0 ? Math.min(...ids) : 0;
}

export function bootstrapRoutes(deps: ApiDeps, security: SecurityStore): RouteSpec[] {
  const configs = new BootstrapConfigStore(deps.store, deps.nowMs);
  return [
    route({
      method: "get",
      path: "/api/bootstrap",
      openapiPath: "/api/bootstrap",
      tag: "provisioning",
      summary: "Every bootstrap configuration (keys shown as hasKey)",
      responses: { 200: { description: '{"configs":[...]}' } },
      handler: async (c) => c.json({ configs: (await configs.list()).map(publicConfig) }),
    }),
    route<Record<string, never>, BootstrapConfig>({
      method: "put",
      path: "/api/bootstrap/:ep",
      openapiPath: "/api/bootstrap/{ep}",
      tag: "provisioning",
      summary: "Set an endpoint's bootstrap configuration",
      params: EP,
      body: bootstrapBody,
      responses: {
        200: { description: "replaced" },
        201: { description: "created" },
        400: { description: "invalid configuration (the message names the field)" },
        409: { description: "a PSK identity is bound to another endpoint" },
      },
      handler: async (c, { params, body }) => {
        checkObjects(deps, body.objects);
        await security.ready();
        try {
          for (const s of body.servers) {
            if (s.identity !== undefined) security.checkIdentity(params.ep, s.identity, "server");
          }
          const bs = body.bootstrapServer;
          if (bs?.identity !== undefined) {
            security.checkIdentity(params.ep, bs.identity, "bootstrap");
          }
        } catch (e) {
          if (e instanceof IdentityConflictError) throw new HttpError(409, "conflict", e.message);
          throw e;
        }
        const existed = (await configs.get(params.ep)) !== undefined;
        const stored = await configs.put(params.ep, body);
        return c.json(publicConfig(stored), existed ? 200 : 201);
      },
    }),
    route({
      method: "get",
      path: "/api/bootstrap/:ep",
      openapiPath: "/api/bootstrap/{ep}",
      tag: "provisioning",
      summary: "An endpoint's bootstrap configuration (keys shown as hasKey)",
      params: EP,
      responses: { 200: { description: "configuration" }, 404: { description: "none" } },
      handler: async (c, { params }) => {
        const found = await configs.get(params.ep);
        if (!found) throw notFound(params.ep);
        return c.json(publicConfig(found));
      },
    }),
    route({
      method: "delete",
      path: "/api/bootstrap/:ep",
      openapiPath: "/api/bootstrap/{ep}",
      tag: "provisioning",
      summary: "Remove an endpoint's bootstrap configuration",
      params: EP,
      responses: {
        200: { description: "the removed configuration" },
        404: { description: "none" },
      },
      handler: async (c, { params }) => {
        const removed = await configs.delete(params.ep);
        if (!removed) throw notFound(params.ep);
        return c.json(publicConfig(removed));
      },
    }),
    route<z.infer<typeof operationQuery> & { instance?: string }>({
      method: "post",
      path: "/api/bootstrap/:ep/trigger",
      openapiPath: "/api/bootstrap/{ep}/trigger",
      tag: "provisioning",
      summary: "Server-initiated bootstrap: execute /1/x/9 Bootstrap-Request Trigger",
      description:
        "x is ?instance= or the first /1 instance in the client's registration (else 0). " +
        "The endpoint needs a bootstrap configuration.",
      params: EP,
      query: operationQuery.extend({
        instance: z.string().regex(/^\d{1,5}$/, "instance must be a number").optional(),
      }),
      responses: {
        200: { description: '{"endpoint","path","triggered":true}' },
        202: { description: "queued for a sleeping client" },
        404: { description: "client not registered, or device 4.04" },
        409: { description: "no bootstrap configuration for the endpoint" },
      },
      handler: async (c, { params, query }) => {
        if (!(await configs.get(params.ep))) {
          throw new HttpError(
            409,
            "conflict",
            `no bootstrap configuration for "${params.ep}": PUT /api/bootstrap/{ep} first`,
          );
        }
        const r = requireClient(deps, params.ep);
        const x = query.instance !== undefined
          ? Number(query.instance)
          : serverInstance(r.objectLinks);
        const path = `/1/${x}/9`;
        const outcome = await performOutcome(
          deps,
          params.ep,
          { kind: "execute", path: parsePath(path) },
          performOptions(query),
          () => ({ status: 200, body: { endpoint: params.ep, path, triggered: true } }),
        );
        return outcomeResponse(c, outcome);
      },
    }),
  ];
}
