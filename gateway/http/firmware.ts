/**
 * Firmware update routes (DESIGN.md §6; issue 6; the service is gateway/server/firmware.ts):
 * POST /api/firmware (upload an image: raw octet-stream body, ?name=), GET/DELETE
 * /api/firmware[/{id}], POST /api/clients/{ep}/firmware and POST /api/groups/{name}/firmware
 * with `{"image","method":"push|pull"}` (202: the job runs on), GET /api/clients/{ep}/firmware
 * (state, progress, result), and GET /fw/{token}: the pull download, outside /api and its auth
 * because devices fetch it; the unguessable token is the secret.
 */

import { z } from "zod";
import { FirmwareError, type FirmwareService } from "../server/firmware.ts";
import type { ImageInfo } from "../server/firmware_images.ts";
import { jobJson } from "../server/firmware_job.ts";
import type { ApiDeps } from "./api_context.ts";
import { badRequest, HttpError } from "./errors.ts";
import { concurrencyQuery, groupFanOut } from "./fanout.ts";
import { route, type RouteSpec } from "./routes.ts";

/** Largest accepted upload (the HTTP body is held in memory while it is stored). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

const startBody = z.object({
  image: z.string().min(1),
  method: z.enum(["push", "pull"]).default("push"),
}).strict();
type StartBody = z.infer<typeof startBody>;

function imageJson(i: ImageInfo) {
  return {
    image: i.id,
    ...(i.name !== undefined ? { name: i.name } : {}),
    size: i.size,
    sha256: i.sha256,
    createdAt: new Date(i.createdAtMs).toISOString(),
  };
}

function httpError(e: unknown): never {
  if (e instanceof FirmwareError) {
    const code = e.status === 409 ? "conflict" : e.status === 503 ? "failed" : "not_found";
    throw new HttpError(e.status, code, e.message);
  }
  throw e;
}

export function firmwareRoutes(deps: ApiDeps, firmware: FirmwareService): RouteSpec[] {
  const start = async (endpoint: string, body: StartBody) => {
    try {
      return {
        status: 202,
        body: jobJson(await firmware.start(endpoint, body.image, body.method)),
      };
    } catch (e) {
      httpError(e);
    }
  };
  const imageNotFound = (id: string) =>
    new HttpError(404, "not_found", `no firmware image "${id}"`);
  return [
    route<{ name?: string }, Uint8Array>({
      method: "post",
      path: "/api/firmware",
      openapiPath: "/api/firmware",
      tag: "firmware",
      summary: "Upload a firmware image (raw application/octet-stream body)",
      query: z.object({ name: z.string().max(255).optional().describe("a label for the image") }),
      body: "bytes",
      responses: {
        201: { description: '{"image","size","sha256"}' },
        400: { description: "empty body" },
        413: { description: `larger than ${MAX_IMAGE_BYTES} bytes` },
      },
      handler: async (c, { query, body }) => {
        if (body.length === 0) throw badRequest("the image is empty");
        if (body.length > MAX_IMAGE_BYTES) {
          throw new HttpError(413, "bad_request", `images are limited to ${MAX_IMAGE_BYTES} bytes`);
        }
        const info = await firmware.images.add(body, query.name);
        return c.json(imageJson(info), 201);
      },
    }),
    route({
      method: "get",
      path: "/api/firmware",
      openapiPath: "/api/firmware",
      tag: "firmware",
      summary: "Uploaded images",
      responses: { 200: { description: '{"images":[{"image","name","size","sha256"}]}' } },
      handler: async (c) => c.json({ images: (await firmware.images.list()).map(imageJson) }),
    }),
    route({
      method: "get",
      path: "/api/firmware/:id",
      openapiPath: "/api/firmware/{id}",
      tag: "firmware",
      summary: "One uploaded image",
      params: { id: "image id" },
      responses: { 200: { description: "the image's metadata" }, 404: { description: "none" } },
      handler: async (c, { params }) => {
        const info = await firmware.images.info(params.id);
        if (!info) throw imageNotFound(params.id);
        return c.json(imageJson(info));
      },
    }),
    route({
      method: "delete",
      path: "/api/firmware/:id",
      openapiPath: "/api/firmware/{id}",
      tag: "firmware",
      summary: "Delete an uploaded image",
      params: { id: "image id" },
      responses: { 204: { description: "deleted" }, 404: { description: "none" } },
      handler: async (c, { params }) => {
        if (!(await firmware.images.delete(params.id))) throw imageNotFound(params.id);
        return c.body(null, 204);
      },
    }),
    route<Record<string, never>, StartBody>({
      method: "post",
      path: "/api/clients/:ep/firmware",
      openapiPath: "/api/clients/{ep}/firmware",
      tag: "firmware",
      summary: "Start a firmware update (push: Block1 write of /5/0/0; pull: URI in /5/0/1)",
      params: { ep: "endpoint client name" },
      body: startBody,
      responses: {
        202: { description: "the job, running on; follow it with GET or firmwareProgress events" },
        404: { description: "unknown client or image" },
        409: { description: "no /5 object, a job already running, or no pull URI" },
      },
      handler: async (c, { params, body }) => {
        const outcome = await start(params.ep, body);
        return c.json(outcome.body, 202);
      },
    }),
    route({
      method: "get",
      path: "/api/clients/:ep/firmware",
      openapiPath: "/api/clients/{ep}/firmware",
      tag: "firmware",
      summary: "The endpoint's latest firmware job: status, State, Update Result, progress",
      params: { ep: "endpoint client name" },
      responses: { 200: { description: "the job" }, 404: { description: "no job" } },
      handler: async (c, { params }) => {
        const job = await firmware.job(params.ep);
        if (!job) throw new HttpError(404, "not_found", `no firmware job for "${params.ep}"`);
        return c.json(jobJson(job));
      },
    }),
    route<{ concurrency?: string }, StartBody>({
      method: "post",
      path: "/api/groups/:name/firmware",
      openapiPath: "/api/groups/{name}/firmware",
      tag: "firmware",
      summary: "Start a firmware update on every member (each result is its 202 job or error)",
      params: { name: "group name" },
      query: z.object({ concurrency: concurrencyQuery }),
      body: startBody,
      responses: { 200: { description: "fleet results" }, 404: { description: "no group/image" } },
      handler: (c, { params, query, body }) =>
        groupFanOut(c, deps, params.name, query.concurrency, async () => {
          if (!(await firmware.images.info(body.image))) throw imageNotFound(body.image);
          return (endpoint) => start(endpoint, body);
        }),
    }),
    route({
      method: "get",
      path: "/fw/:token",
      openapiPath: "/fw/{token}",
      tag: "firmware",
      summary: "Pull download of a running job's image (no bearer token: the path is the secret)",
      params: { token: "the unguessable token of the URI written to /5/0/1" },
      responses: { 200: { description: "the image" }, 206: { description: "a Range" } },
      handler: (c, { params }) => firmware.transfers.http(params.token, c.req.raw),
    }),
  ];
}
