import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, makeClient, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";

/**
 * Refused input carries structured issues — `data.issues: [{path, message}]` over tRPC, `issues` in REST's error
 * body — so a client (the web UI) puts each message next to its field without parsing the message text.
 * Through the official @trpc/client against a real server.
 */
let s: TestServer;
let apiKey: string;
let unbatched: Client;

beforeAll(async () => {
  s = await startPatchbay();
  apiKey = (await s.admin.auth.createApiKey.mutate({ name: "issues" })).token;
  unbatched = makeClient(s.url, { ApiKey: apiKey }, false);
});
afterAll(async () => {
  await s?.close();
});

describe("structured validation issues", () => {
  it("zod's refusal lists every field with its own message (tRPC, batched and not)", async () => {
    for (const client of [s.admin, unbatched]) {
      const e = await errorOf(
        client.integration.create.mutate({ name: "", kind: "sonarr", url: "gopher://x", secrets: [{ kind: "apiKey", value: "" }] } as never),
      );
      expect(e.code).toBe("BAD_REQUEST");
      const issues = e.data.issues as { path: string; message: string }[];
      expect(issues.map((i) => i.path).sort()).toEqual(["name", "secrets[0].value", "url"]);
      for (const i of issues) {
        expect(typeof i.message).toBe("string");
        expect(i.message.length).toBeGreaterThan(0);
        // The human message still names each field, built from the same issues.
        expect(e.message).toContain(`${i.path}: ${i.message}`);
      }
    }
  });

  it("a union input reports the closest branch's fields, and a wrong input type is the path `input`", async () => {
    const byId = await errorOf(s.admin.integration.testConnection.mutate({ id: "nope", url: "ftp://x" } as never));
    expect(byId.data.issues.map((i: { path: string }) => i.path)).toEqual(["url"]);
    const whole = await errorOf(s.admin.integration.create.mutate(null as never));
    expect(whole.data.issues.map((i: { path: string }) => i.path)).toEqual(["input"]);
  });

  it("a service's field error (checked after zod) carries its field too: a secret the kind does not use, a taken user name", async () => {
    const foreign = await errorOf(
      s.admin.integration.create.mutate({ name: "S", kind: "sonarr", url: "http://127.0.0.1:9", secrets: [{ kind: "password", value: "p" }] }),
    );
    expect(foreign.code).toBe("BAD_REQUEST");
    expect(foreign.data.issues).toEqual([{ path: "secrets[0].kind", message: expect.stringContaining('does not use a "password" secret') }]);
    expect(foreign.message).toBe(`secrets[0].kind: ${foreign.data.issues[0].message}`);

    await s.admin.user.create.mutate({ username: "taken", password: "a-long-passphrase-9" });
    const taken = await errorOf(s.admin.user.create.mutate({ username: "taken", password: "a-long-passphrase-9" }));
    expect(taken.code).toBe("CONFLICT");
    expect(taken.data.issues).toEqual([{ path: "username", message: "this username is taken" }]);
  });

  it("errors that concern no field have no issues", async () => {
    const missing = await errorOf(s.admin.integration.byId.query({ id: "no-such-integration" }));
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.data.issues).toBeUndefined();
    const anonymous = await errorOf(s.anonymous.integration.all.query());
    expect(anonymous.code).toBe("UNAUTHORIZED");
    expect(anonymous.data.issues).toBeUndefined();
  });

  it("REST's error body carries the same issues as tRPC", async () => {
    const input = { name: "", kind: "sonarr", url: "gopher://x", secrets: [{ kind: "apiKey", value: "k" }] };
    const res = await fetch(`${s.url}/api/integrations`, { method: "POST", headers: { "content-type": "application/json", ApiKey: apiKey }, body: JSON.stringify(input) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string; issues: unknown };
    const viaTrpc = await errorOf(s.admin.integration.create.mutate(input as never));
    expect(body.code).toBe("BAD_REQUEST");
    expect(body.issues).toEqual(viaTrpc.data.issues);
    expect(body.message).toBe(viaTrpc.message);

    const restTaken = await fetch(`${s.url}/api/integrations`, {
      method: "POST",
      headers: { "content-type": "application/json", ApiKey: apiKey },
      body: JSON.stringify({ ...input, name: "N", url: "http://127.0.0.1:9", secrets: [{ kind: "token", value: "t" }] }),
    });
    expect(restTaken.status).toBe(400);
    expect(((await restTaken.json()) as { issues: unknown }).issues).toEqual([{ path: "secrets[0].kind", message: expect.stringContaining('does not use a "token" secret') }]);
  });
});
