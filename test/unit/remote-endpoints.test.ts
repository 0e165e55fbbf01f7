/** store/endpoints and the remote model references: names, URLs, a broken file, no key written. */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { remoteIdentity, remoteSpec } from "../../src/core/remote-model.ts";
import { UsageError } from "../../src/errors.ts";
import { resolveSettings } from "../../src/settings/resolve.ts";
import {
  addEndpoint,
  checkBaseUrl,
  checkEndpointName,
  readEndpoints,
  removeEndpoint,
} from "../../src/store/endpoints.ts";
import { tempHome } from "../helpers/cli.ts";

const home = tempHome();
process.env.PARLEY_HOME = home;
const file = join(home, "endpoints.json");

function settings(values: Record<string, unknown>, source: "flag" | "conversation" = "flag") {
  return resolveSettings([{ source, values: values as never }]);
}

describe("named endpoints", () => {
  it("adds, lists and removes; the key's variable is kept, never a key", () => {
    addEndpoint({ name: "gpu", url: "http://gpu-box:8000/v1/", apiKeyEnv: "GPU_KEY", contextSize: 4096 });
    const gpu = readEndpoints().get("gpu");
    assert.equal(gpu?.url, "http://gpu-box:8000/v1");
    assert.equal(gpu?.apiKeyEnv, "GPU_KEY");
    assert.throws(() => addEndpoint({ name: "gpu", url: "http://other/v1" }), /already exists/);
    const spec = remoteSpec(settings({ model: "gpu:meta/Llama-3" }), "gpu:meta/Llama-3", { GPU_KEY: "k-123" });
    assert.ok(spec);
    assert.equal(spec.baseUrl, "http://gpu-box:8000/v1");
    assert.equal(spec?.model, "meta/Llama-3");
    assert.equal(spec?.apiKey, "k-123");
    assert.equal(spec?.contextSize, 4096);
    assert.deepEqual(remoteIdentity(spec, "meta/Llama-3"), {
      name: "meta/Llama-3",
      path: "gpu:meta/Llama-3",
      endpoint: "gpu",
    });
    assert.doesNotMatch(readFileSync(file, "utf8"), /k-123/);
    // A named endpoint's model goes to it even with a base URL set.
    const named = remoteSpec(settings({ "base-url": "http://elsewhere/v1" }), "gpu:meta/Llama-3", {});
    assert.equal(named?.endpoint, "gpu");
    removeEndpoint("gpu");
    assert.equal(readEndpoints().size, 0);
  });

  it("refuses bad names and URLs in one line", () => {
    for (const name of ["hf", "C", "-x", "a b", "http"]) assert.throws(() => checkEndpointName(name), UsageError, name);
    assert.throws(() => checkBaseUrl("ftp://x/v1"), /must start with http:\/\/ or https:\/\//);
    assert.throws(() => checkBaseUrl("http://user:secret@x/v1"), /must not hold a user name or key/);
    assert.throws(() => checkBaseUrl("not a url"), /is not a URL/);
  });

  it("names the file and how to fix it when it is broken", () => {
    writeFileSync(file, "{ broken");
    assert.throws(
      () => readEndpoints(),
      (err: Error) => err.message.includes(file) && /delete it to start over/.test(err.message),
    );
    writeFileSync(file, JSON.stringify({ endpoints: {} }));
  });

  it("tells local references, hf: references and unknown endpoints apart", () => {
    assert.equal(remoteSpec(settings({}), "hf:user/repo:Q4_K_M", {}), undefined);
    assert.equal(remoteSpec(settings({}), "qwen2.5-1.5b", {}), undefined);
    assert.equal(remoteSpec(settings({}), "./models/x.gguf", {}), undefined);
    assert.throws(() => remoteSpec(settings({}), "nobox:model", {}), /no endpoint "nobox"/);
  });

  it("--base-url: any model there, OpenAI's key by default for api.openai.com", () => {
    const openai = remoteSpec(settings({ "base-url": "https://api.openai.com/v1" }), "gpt-4o-mini", {
      OPENAI_API_KEY: "sk-x",
    });
    assert.equal(openai?.apiKeyEnv, "OPENAI_API_KEY");
    assert.equal(openai?.apiKey, "sk-x");
    const ollama = remoteSpec(settings({ "base-url": "http://127.0.0.1:11434/v1" }), "llama3.2:1b", {});
    assert.equal(ollama?.model, "llama3.2:1b");
    const local = remoteSpec(
      settings({ "base-url": "http://127.0.0.1:8080/v1", "api-key-env": "MINE" }),
      undefined,
      {},
    );
    assert.ok(local);
    assert.equal(local.model, "");
    assert.equal(local?.apiKeyEnv, "MINE");
    assert.equal(local?.apiKey, undefined);
    assert.deepEqual(remoteIdentity(local, "m"), { name: "m", path: "m", baseUrl: "http://127.0.0.1:8080/v1" });
  });
});
