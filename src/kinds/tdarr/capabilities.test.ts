import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { createIntegration } from "../testing/kind-helpers.js";
import { startTdarr } from "./emulator.js";

/** Tdarr's `transcoding.status` through the public API, against the emulator's cruddb statistics and get-nodes. */
const KEY = "tapi_capabilities0123";
let s: TestServer;

beforeAll(async () => {
  s = await startPatchbay();
});
afterAll(async () => {
  await s?.close();
});

describe("tdarr transcoding.status", () => {
  it("sums the queue, success and error tables, converts the GB saved to bytes and counts the running workers", async () => {
    const td = await startTdarr({
      auth: true,
      apiKeys: [KEY],
      statistics: { table1Count: 7, table2Count: 120, table3Count: 2, table4Count: 3, table5Count: 80, table6Count: 1, sizeDiff: 12.5 },
      nodes: { n1: { name: "gpu-box", workers: 2 }, n2: { name: "nas", workers: 1 } },
    });
    try {
      const id = await createIntegration(s, "Tdarr", "tdarr", td.url, [{ kind: "apiKey", value: KEY }]);
      const [e] = await s.admin.transcoding.status.query({ integrationIds: [id] });
      expect(e).toMatchObject({ data: { queued: 10, processed: 200, errored: 3, savedBytes: 12_500_000_000, workers: 3 } });
      const crud = td.requests.find((r) => r.url === "/api/v2/cruddb")!;
      expect(crud.method).toBe("POST");
      expect(JSON.parse(crud.body)).toEqual({ data: { collection: "StatisticsJSONDB", mode: "getById", docID: "statistics" } });
      expect(crud.headers["x-api-key"]).toBe(KEY);
    } finally {
      await td.close();
    }
  });

  it("an idle server without nodes answers zeros", async () => {
    const td = await startTdarr({ auth: false });
    try {
      const id = await createIntegration(s, "Tdarr idle", "tdarr", td.url, []);
      const [e] = await s.admin.transcoding.status.query({ integrationIds: [id] });
      expect(e).toMatchObject({ data: { queued: 0, processed: 0, errored: 0, savedBytes: 0, workers: 0 } });
    } finally {
      await td.close();
    }
  });
});
