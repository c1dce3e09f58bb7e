/**
 * Fleet group routes (DESIGN.md §6; issue 6 "switch one light or a whole district"):
 * PUT/GET/DELETE /api/groups/{name} with `{"endpoints":[...]}` or `{"match":"glob"}`, GET
 * /api/groups, and Read/Write/Execute/Observe on /api/groups/{name}/{path} for every member
 * (fanout.ts), each member answering what /api/clients/{ep}/{path} would (client_ops.ts).
 */

import type { Context } from "hono";
import { z } from "zod";
import { type Group, GroupStore, resolveMembers } from "../server/groups.ts";
import { type ApiDeps, operationQuery } from "./api_context.ts";
import {
  type PreparedOperation,
  prepareExecute,
  prepareObserve,
  prepareRead,
  prepareWrite,
  type WriteBody,
  writeBody,
} from "./client_ops.ts";
import { HttpError } from "./errors.ts";
import { concurrencyQuery, groupFanOut, NDJSON } from "./fanout.ts";
import { route, type RouteSpec } from "./routes.ts";

const PATH = "{[0-9]+(?:/[0-9]+){0,3}}";
const NAME_RE = /^[A-Za-z0-9._~-]{1,64}$/;
const NAME = { name: "group name ([A-Za-z0-9._~-], 1..64 characters)" };
const NAME_PATH = { ...NAME, path: "LwM2M path, e.g. 3311/0/5850 (may contain slashes)" };
/** Listed endpoints per group (a pattern covers any number). */
const MAX_LISTED = 100_000;

export const groupBody = z.object({
  endpoints: z.array(z.string().min(1).max(256)).min(1).max(MAX_LISTED).optional(),
  match: z.string().min(1).max(256).optional().describe("glob: * any characters, ? one"),
}).strict().refine((b) => (b.endpoints === undefined) !== (b.match === undefined), {
  message: 'give either "endpoints" or "match"',
});

const fleetResponses = {
  200: {
    description: `{"results":[{"endpoint","status","body"}],"succeeded","failed","notRegistered"}` +
      `, or with Accept: ${NDJSON} one result a line as each finishes`,
  },
  400: { description: "bad path, values or query" },
  404: { description: "no such group" },
};

/** The directory when the LwM2M server is off: nobody is registered. */
const NO_CLIENTS = {
  get: () => undefined,
  list: () => ({ registrations: [], nextCursor: null }),
};

function groupNotFound(name: string): HttpError {
  return new HttpError(404, "not_found", `no group "${name}"`);
}

export const fleetQuery = operationQuery.extend({ concurrency: concurrencyQuery });
export type FleetQuery = z.infer<typeof fleetQuery>;

function checkName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new HttpError(400, "bad_request", "name: use 1..64 of A-Z a-z 0-9 . _ ~ -");
  }
}

export function groupRoutes(deps: ApiDeps): RouteSpec[] {
  const groups = new GroupStore(deps.store);

  const load = async (name: string): Promise<Group> => {
    const group = await groups.get(name);
    if (!group) throw groupNotFound(name);
    return group;
  };

  const describe = (group: Group) => {
    const { members, notRegistered } = resolveMembers(deps.server ?? NO_CLIENTS, group);
    return { ...group, members, notRegistered };
  };

  const fanOut = (c: Context, name: string, query: FleetQuery, prepare: () => PreparedOperation) =>
    groupFanOut(c, deps, name, query.concurrency, prepare);

  return [
    route({
      method: "get",
      path: "/api/groups",
      openapiPath: "/api/groups",
      tag: "groups",
      summary: "List fleet groups",
      responses: { 200: { description: '{"groups":[{"name","endpoints"|"match"}]}' } },
      handler: async (c) => c.json({ groups: await groups.list() }),
    }),
    route<Record<string, never>, z.infer<typeof groupBody>>({
      method: "put",
      path: "/api/groups/:name",
      openapiPath: "/api/groups/{name}",
      tag: "groups",
      summary: "Create or replace a group (an endpoint list or a glob pattern)",
      params: NAME,
      body: groupBody,
      responses: {
        200: { description: "replaced; the group and its current members" },
        201: { description: "created" },
        400: { description: "bad name or body" },
      },
      handler: async (c, { params, body }) => {
        checkName(params.name);
        const group: Group = body.endpoints !== undefined
          ? { name: params.name, endpoints: [...new Set(body.endpoints)] }
          : { name: params.name, match: body.match! };
        const existed = (await groups.get(params.name)) !== undefined;
        await groups.put(group);
        return c.json(describe(group), existed ? 200 : 201);
      },
    }),
    route({
      method: "get",
      path: "/api/groups/:name",
      openapiPath: "/api/groups/{name}",
      tag: "groups",
      summary: "A group with its members registered now",
      params: NAME,
      responses: {
        200: { description: '{"name","endpoints"|"match","members","notRegistered"}' },
        404: { description: "no such group" },
      },
      handler: async (c, { params }) => c.json(describe(await load(params.name))),
    }),
    route({
      method: "delete",
      path: "/api/groups/:name",
      openapiPath: "/api/groups/{name}",
      tag: "groups",
      summary: "Delete a group (its members are not touched)",
      params: NAME,
      responses: { 200: { description: "the deleted group" }, 404: { description: "none" } },
      handler: async (c, { params }) => {
        const group = await load(params.name);
        await groups.delete(params.name);
        return c.json(group);
      },
    }),
    route<FleetQuery, string>({
      method: "post",
      path: `/api/groups/:name/:path${PATH}/execute`,
      openapiPath: "/api/groups/{name}/{path}/execute",
      tag: "groups",
      summary: "Execute on every member (the text/plain body is the argument list)",
      params: NAME_PATH,
      query: fleetQuery,
      body: "text",
      responses: fleetResponses,
      handler: (c, { params, query, body }) =>
        fanOut(c, params.name, query, () => prepareExecute(deps, params.path, query, body)),
    }),
    route<FleetQuery>({
      method: "post",
      path: `/api/groups/:name/:path${PATH}/observe`,
      openapiPath: "/api/groups/{name}/{path}/observe",
      tag: "groups",
      summary: "Observe on every member (notifications arrive as events)",
      params: NAME_PATH,
      query: fleetQuery,
      responses: fleetResponses,
      handler: (c, { params, query }) =>
        fanOut(c, params.name, query, () => prepareObserve(deps, params.path, query)),
    }),
    route<FleetQuery>({
      method: "get",
      path: `/api/groups/:name/:path${PATH}`,
      openapiPath: "/api/groups/{name}/{path}",
      tag: "groups",
      summary: "Read on every member",
      params: NAME_PATH,
      query: fleetQuery,
      responses: fleetResponses,
      handler: (c, { params, query }) =>
        fanOut(c, params.name, query, () => prepareRead(deps, params.path, query)),
    }),
    ...(["put", "patch"] as const).map((method) =>
      route<FleetQuery, WriteBody>({
        method,
        path: `/api/groups/:name/:path${PATH}`,
        openapiPath: "/api/groups/{name}/{path}",
        tag: "groups",
        summary: method === "put"
          ? "Write (replace) on every member"
          : "Write (partial update) on every member",
        params: NAME_PATH,
        query: fleetQuery,
        body: writeBody,
        responses: fleetResponses,
        handler: (c, { params, query, body }) =>
          fanOut(c, params.name, query, () => prepareWrite(deps, params.path, method, query, body)),
      })
    ),
  ];
}
