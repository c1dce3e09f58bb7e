/**
 * REST routes for registrations and every LwM2M operation on one client (DESIGN.md §6):
 * /api/clients, /api/clients/{ep}, Read/Write/Execute/Create/Delete/Discover/Write-Attributes/
 * Observe on /api/clients/{ep}/{path}, the composite operations, and GET /api/requests/{id}.
 */

import { z } from "zod";
import { valuesToJson } from "../lwm2m/json_values.ts";
import { CREATE_PLACEHOLDER_ID } from "../lwm2m/operations.ts";
import { Lwm2mPath } from "../lwm2m/path.ts";
import { resultToJson } from "../server/json.ts";
import {
  type ApiDeps,
  bodyValues,
  operationQuery,
  parsePath,
  perform,
  performOptions,
  registrationJson,
  requireClient,
  serverOf,
} from "./api_context.ts";
import {
  outcomeResponse,
  prepareExecute,
  prepareObserve,
  prepareRead,
  prepareWrite,
  type WriteBody,
  writeBody,
} from "./client_ops.ts";
import { badRequest, HttpError, resultError } from "./errors.ts";
import { route, type RouteSpec } from "./routes.ts";

/** LwM2M path inside a URL: 1 to 4 numeric segments. */
const PATH = "{[0-9]+(?:/[0-9]+){0,3}}";
const EP = { ep: "endpoint client name" };
const EP_PATH = {
  ep: "endpoint client name",
  path: "LwM2M path, e.g. 3/0/1 (may contain slashes)",
};

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), coapCode: z.string().optional() }),
});
const valuesSchema = z.record(z.string(), z.unknown()).describe("values by full LwM2M path");
const contentSchema = z.object({
  path: z.string(),
  format: z.string(),
  values: valuesSchema,
  value: z.unknown().optional(),
});
const queuedSchema = z.object({
  requestId: z.string(),
  state: z.literal("queued"),
  expiresAt: z.string(),
});
// partialRecord: with enum keys zod 4's z.record demands every key, refusing {"pmin":10}.
const attributeBody = z.partialRecord(
  z.enum(["pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax"]),
  z.union([z.number(), z.boolean(), z.null()]),
);

const errors = {
  400: { description: "bad request", schema: errorSchema },
  404: { description: "client not found or device 4.04", schema: errorSchema },
  502: { description: "device error 5.xx or undecodable payload", schema: errorSchema },
  504: { description: "the device did not answer in time", schema: errorSchema },
};

export function clientRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/clients",
      openapiPath: "/api/clients",
      tag: "clients",
      summary: "List registrations by endpoint name",
      query: z.object({
        prefix: z.string().optional(),
        limit: z.string().regex(/^\d+$/).optional().describe("default 100, max 10000"),
        cursor: z.string().optional().describe("nextCursor of the previous page"),
      }),
      responses: { 200: { description: "a page of registrations" } },
      handler: (c, { query }) => {
        const limit = query.limit === undefined ? 100 : Number(query.limit);
        if (limit < 1 || limit > 10000) throw badRequest("limit must be 1..10000");
        const server = serverOf(deps);
        const page = server.list(query.prefix ?? "", limit, query.cursor);
        return c.json({
          clients: page.registrations.map((r) =>
            registrationJson(r, server.isSleeping(r.endpoint))
          ),
          nextCursor: page.nextCursor,
        });
      },
    }),
    route({
      method: "get",
      path: "/api/clients/:ep",
      openapiPath: "/api/clients/{ep}",
      tag: "clients",
      summary: "One client's registration",
      params: EP,
      responses: { 200: { description: "Registration" }, 404: errors[404] },
      handler: (c, { params }) => {
        const r = requireClient(deps, params.ep);
        return c.json(registrationJson(r, serverOf(deps).isSleeping(r.endpoint)));
      },
    }),
    route({
      method: "delete",
      path: "/api/clients/:ep",
      openapiPath: "/api/clients/{ep}",
      tag: "clients",
      summary: "Force de-registration",
      params: EP,
      responses: { 200: { description: "the removed Registration" }, 404: errors[404] },
      handler: async (c, { params }) => {
        const r = requireClient(deps, params.ep);
        await serverOf(deps).deregister(r.endpoint);
        return c.json(registrationJson(r, false));
      },
    }),
    // Composite operations (before the generic /{path} routes).
    route<z.infer<typeof operationQuery>, { paths: string[] }>({
      method: "post",
      path: "/api/clients/:ep/composite/read",
      openapiPath: "/api/clients/{ep}/composite/read",
      tag: "operations",
      summary: "Read-Composite (FETCH)",
      params: EP,
      query: operationQuery,
      body: z.object({ paths: z.array(z.string()).min(1) }),
      responses: { 200: { description: "values" }, ...errors },
      handler: (c, { params, query, body }) =>
        perform(
          c,
          deps,
          params.ep,
          { kind: "readComposite", paths: body.paths.map(parsePath) },
          performOptions(query),
          (r) =>
            c.json({ values: r.kind === "content" ? valuesToJson(r.values, deps.models) : {} }),
        ),
    }),
    route<z.infer<typeof operationQuery>, { values: Record<string, unknown> }>({
      method: "post",
      path: "/api/clients/:ep/composite/write",
      openapiPath: "/api/clients/{ep}/composite/write",
      tag: "operations",
      summary: "Write-Composite (iPATCH)",
      params: EP,
      query: operationQuery,
      body: z.object({ values: z.record(z.string(), z.unknown()) }),
      responses: { 204: { description: "changed" }, ...errors },
      handler: (c, { params, query, body }) =>
        perform(
          c,
          deps,
          params.ep,
          {
            kind: "writeComposite",
            values: bodyValues(deps.models, new Lwm2mPath([]), { values: body.values }),
          },
          performOptions(query),
          () => c.body(null, 204),
        ),
    }),
    route<z.infer<typeof operationQuery>, { paths: string[] }>({
      method: "post",
      path: "/api/clients/:ep/composite/observe",
      openapiPath: "/api/clients/{ep}/composite/observe",
      tag: "observations",
      summary: "Observe-Composite",
      params: EP,
      query: operationQuery,
      body: z.object({ paths: z.array(z.string()).min(1) }),
      responses: { 200: { description: "observationId, paths and the first values" }, ...errors },
      handler: async (c, { params, query, body }) => {
        requireClient(deps, params.ep);
        const paths = body.paths.map(parsePath);
        const options = performOptions(query);
        const { observationId, result } = await serverOf(deps).observations.observe(
          params.ep,
          paths,
          true,
          options.format,
          options.timeoutMs,
        );
        const error = resultError(result);
        if (error) throw error;
        return c.json({
          observationId,
          paths: paths.map(String),
          values: result.kind === "content" ? valuesToJson(result.values, deps.models) : {},
        });
      },
    }),
    route({
      method: "delete",
      path: "/api/clients/:ep/composite/observe/:id",
      openapiPath: "/api/clients/{ep}/composite/observe/{observationId}",
      tag: "observations",
      summary: "Cancel an Observe-Composite",
      params: { ...EP, observationId: "from the observe answer" },
      responses: { 200: { description: "cancelled" }, 404: errors[404] },
      handler: async (c, { params }) => {
        const o = serverOf(deps).observations.get(params.id);
        if (!o || o.endpoint !== params.ep) {
          throw new HttpError(
            404,
            "observation_not_found",
            `no observation ${params.id} on ${params.ep}`,
          );
        }
        await serverOf(deps).observations.cancel(params.id);
        return c.json({ observationId: params.id, paths: o.paths });
      },
    }),
    route<{ depth?: string }>({
      method: "get",
      path: `/api/clients/:ep/:path${PATH}/discover`,
      openapiPath: "/api/clients/{ep}/{path}/discover",
      tag: "operations",
      summary: "Discover",
      params: EP_PATH,
      query: z.object({
        depth: z.string().regex(/^[0-3]$/).optional().describe("LwM2M 1.2 depth 0..3"),
      }),
      responses: { 200: { description: "links with attributes" }, ...errors },
      handler: (c, { params, query }) => {
        const path = parsePath(params.path);
        const op = {
          kind: "discover" as const,
          path,
          ...(query.depth ? { depth: Number(query.depth) } : {}),
        };
        return perform(
          c,
          deps,
          params.ep,
          op,
          performOptions({}),
          (r) => c.json({ links: r.kind === "links" ? r.links : [] }),
        );
      },
    }),
    route<z.infer<typeof operationQuery>, Record<string, number | boolean | null>>({
      method: "put",
      path: `/api/clients/:ep/:path${PATH}/attributes`,
      openapiPath: "/api/clients/{ep}/{path}/attributes",
      tag: "operations",
      summary: "Write-Attributes (null unsets an attribute)",
      params: EP_PATH,
      query: operationQuery,
      body: attributeBody,
      responses: { 204: { description: "changed" }, ...errors },
      handler: (c, { params, query, body }) =>
        perform(
          c,
          deps,
          params.ep,
          { kind: "writeAttributes", path: parsePath(params.path), attributes: body },
          performOptions(query),
          () => c.body(null, 204),
        ),
    }),
    route<z.infer<typeof operationQuery>, string>({
      method: "post",
      path: `/api/clients/:ep/:path${PATH}/execute`,
      openapiPath: "/api/clients/{ep}/{path}/execute",
      tag: "operations",
      summary: "Execute (the text/plain body is the argument list)",
      params: EP_PATH,
      query: operationQuery,
      body: "text",
      responses: { 204: { description: "executed" }, ...errors },
      handler: async (c, { params, query, body }) =>
        outcomeResponse(c, await prepareExecute(deps, params.path, query, body)(params.ep)),
    }),
    route<z.infer<typeof operationQuery>>({
      method: "post",
      path: `/api/clients/:ep/:path${PATH}/observe`,
      openapiPath: "/api/clients/{ep}/{path}/observe",
      tag: "observations",
      summary: "Observe",
      params: EP_PATH,
      query: operationQuery,
      responses: { 200: { description: "observationId, path and the first values" }, ...errors },
      handler: async (c, { params, query }) =>
        outcomeResponse(c, await prepareObserve(deps, params.path, query)(params.ep)),
    }),
    route({
      method: "delete",
      path: `/api/clients/:ep/:path${PATH}/observe`,
      openapiPath: "/api/clients/{ep}/{path}/observe",
      tag: "observations",
      summary: "Cancel the observations of a path",
      params: EP_PATH,
      responses: { 200: { description: "cancelled observation ids" }, 404: errors[404] },
      handler: async (c, { params }) => {
        requireClient(deps, params.ep);
        const path = parsePath(params.path).toString();
        const observations = serverOf(deps).observations;
        const found = observations.forEndpoint(params.ep).filter((o) =>
          !o.composite && o.paths[0] === path
        );
        if (found.length === 0) {
          throw new HttpError(404, "observation_not_found", `no observation of ${path}`);
        }
        for (const o of found) await observations.cancel(o.observationId);
        return c.json({
          observationId: found[0].observationId,
          path,
          cancelled: found.map((o) => o.observationId),
        });
      },
    }),
    route<z.infer<typeof operationQuery>>({
      method: "get",
      path: `/api/clients/:ep/:path${PATH}`,
      openapiPath: "/api/clients/{ep}/{path}",
      tag: "operations",
      summary: "Read",
      params: EP_PATH,
      query: operationQuery,
      responses: {
        200: { description: "values", schema: contentSchema },
        202: { description: "queued for a sleeping client", schema: queuedSchema },
        ...errors,
      },
      handler: async (c, { params, query }) =>
        outcomeResponse(c, await prepareRead(deps, params.path, query)(params.ep)),
    }),
    ...(["put", "patch"] as const).map((method) =>
      route<z.infer<typeof operationQuery>, WriteBody>({
        method,
        path: `/api/clients/:ep/:path${PATH}`,
        openapiPath: "/api/clients/{ep}/{path}",
        tag: "operations",
        summary: method === "put" ? "Write (replace)" : "Write (partial update)",
        params: EP_PATH,
        query: operationQuery,
        body: writeBody,
        responses: {
          204: { description: "changed" },
          202: { description: "queued", schema: queuedSchema },
          ...errors,
        },
        handler: async (c, { params, query, body }) =>
          outcomeResponse(
            c,
            await prepareWrite(deps, params.path, method, query, body)(params.ep),
          ),
      })
    ),
    route<z.infer<typeof operationQuery>, { instanceId?: number; values: Record<string, unknown> }>(
      {
        method: "post",
        path: "/api/clients/:ep/:object{[0-9]+}",
        openapiPath: "/api/clients/{ep}/{objectId}",
        tag: "operations",
        summary: "Create an object instance",
        params: { ...EP, objectId: "Object ID" },
        query: operationQuery,
        body: z.object({
          instanceId: z.number().int().min(0).max(65534).optional(),
          values: z.record(z.string(), z.unknown()),
        }),
        responses: { 201: { description: "location of the new instance" }, ...errors },
        handler: (c, { params, query, body }) => {
          const object = parsePath(params.object);
          const instance = object.child(body.instanceId ?? CREATE_PLACEHOLDER_ID);
          const values = bodyValues(deps.models, instance, { values: body.values });
          const op = { kind: "create" as const, path: object, instanceId: body.instanceId, values };
          return perform(
            c,
            deps,
            params.ep,
            op,
            performOptions(query),
            (r) => c.json({ location: r.kind === "created" ? r.location : null }, 201),
          );
        },
      },
    ),
    route({
      method: "delete",
      path: `/api/clients/:ep/:path${PATH}`,
      openapiPath: "/api/clients/{ep}/{path}",
      tag: "operations",
      summary: "Delete an object instance (or resource instance)",
      params: EP_PATH,
      responses: { 204: { description: "deleted" }, ...errors },
      handler: (c, { params }) => {
        const path = parsePath(params.path);
        if (path.ids.length !== 2 && path.ids.length !== 4) {
          throw badRequest("Delete needs /O/I or /O/I/R/RI");
        }
        return perform(
          c,
          deps,
          params.ep,
          { kind: "delete", path },
          performOptions({}),
          () => c.body(null, 204),
        );
      },
    }),
    route({
      method: "get",
      path: "/api/requests/:id",
      openapiPath: "/api/requests/{id}",
      tag: "clients",
      summary: "State and result of a queued request",
      params: { id: "requestId from a 202 answer" },
      responses: {
        200: { description: "request state" },
        404: { description: "unknown request", schema: errorSchema },
      },
      handler: async (c, { params }) => {
        // In a cluster the request may be held by another node (issue 10).
        const q = await serverOf(deps).queue.statusAnywhere(params.id);
        if (!q) throw new HttpError(404, "request_not_found", `no request ${params.id}`);
        return c.json({
          requestId: q.requestId,
          endpoint: q.endpoint,
          state: q.state,
          ...(q.result ? { result: resultToJson(q.result, deps.models) } : {}),
          ...(q.state === "queued" ? { expiresAt: new Date(q.expiresAtMs).toISOString() } : {}),
        });
      },
    }),
  ];
}
