/**
 * Object model routes (DESIGN.md §6 /api/objects; LwM2M Core §7.2 Object Model): GET /api/objects
 * lists every known model (bundled and loaded from DDF XML with --objects), GET
 * /api/objects/{id}[?version=] describes one with its resources.
 */

import { z } from "zod";
import type { ObjectModel, ResourceModel } from "../../objects/model.ts";
import type { ApiDeps } from "./api_context.ts";
import { HttpError } from "./errors.ts";
import { route, type RouteSpec } from "./routes.ts";

function summary(m: ObjectModel) {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    ...(m.lwm2mVersion !== undefined ? { lwm2mVersion: m.lwm2mVersion } : {}),
    ...(m.urn !== undefined ? { urn: m.urn } : {}),
    multiple: m.multiple,
    mandatory: m.mandatory,
    resourceCount: Object.keys(m.resources).length,
  };
}

function resourceJson(r: ResourceModel) {
  return {
    id: r.id,
    name: r.name,
    operations: r.operations,
    multiple: r.multiple,
    mandatory: r.mandatory,
    type: r.type,
    ...(r.range !== undefined ? { range: r.range } : {}),
    ...(r.units !== undefined ? { units: r.units } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
  };
}

export function objectRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    route({
      method: "get",
      path: "/api/objects",
      openapiPath: "/api/objects",
      tag: "objects",
      summary: "Every known object model (each version), by Object ID",
      responses: {
        200: {
          description:
            '{"objects":[{"id","name","version","multiple","mandatory","resourceCount"}]}',
        },
      },
      handler: (c) => c.json({ objects: deps.models.all().map(summary) }),
    }),
    route<{ version?: string }>({
      method: "get",
      path: "/api/objects/:id{[0-9]+}",
      openapiPath: "/api/objects/{id}",
      tag: "objects",
      summary: "One object model with its resources (the newest version unless ?version=)",
      params: { id: "Object ID" },
      query: z.object({
        version: z.string().regex(/^\d+\.\d+$/, "version must look like 1.0").optional(),
      }),
      responses: { 200: { description: "the model" }, 404: { description: "unknown object" } },
      handler: (c, { params, query }) => {
        const id = Number(params.id);
        const model = deps.models.get(id, query.version);
        if (!model || (query.version !== undefined && model.version !== query.version)) {
          const which = query.version ? ` version ${query.version}` : "";
          throw new HttpError(404, "not_found", `no model of object ${id}${which}`);
        }
        const versions = deps.models.all().filter((m) => m.id === id).map((m) => m.version);
        return c.json({
          ...summary(model),
          ...(model.description !== undefined ? { description: model.description } : {}),
          versions,
          resources: Object.values(model.resources).sort((a, b) => a.id - b.id).map(resourceJson),
        });
      },
    }),
  ];
}
