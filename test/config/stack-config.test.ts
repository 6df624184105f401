import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { engineConfigFromObject, loadStackConfigFile, OFFLINE_SECRET } from "../../plan/stack-config";
import { runWithMocks } from "../../plan/mock-engine";
import { ConfigError } from "../../stacks/config/errors";
import { parseKitConfig, readHubToken, readKitConfig } from "../../stacks/config/load";
import * as pulumi from "@pulumi/pulumi";

describe("stack config files (the format of stacks/Pulumi.<stack>.yaml)", () => {
  it("namespaces bare keys, JSON-encodes structured values and turns secure values into secrets", () => {
    const e = engineConfigFromObject({
      "finetune:target": "kubernetes",
      kubernetes: { context: "c" },
      "finetune:hubToken": { secure: "v1:abc" },
      "kubernetes:context": "other",
    });
    expect(e.config).toEqual({
      "finetune:target": "kubernetes",
      "finetune:kubernetes": '{"context":"c"}',
      "finetune:hubToken": OFFLINE_SECRET,
      "kubernetes:context": "other",
    });
    expect(e.secretKeys).toEqual(["finetune:hubToken"]);
  });

  it("rejects a file that is not a stack settings file, saying what format to use", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ftk-")), "bad.yaml");
    fs.writeFileSync(f, "target: kubernetes\n");
    expect(() => loadStackConfigFile(f)).toThrow(
      `Invalid finetune-kit configuration (1 problem):\n  ${f}: has no top-level "config:" map (use the format of stacks/Pulumi.<stack>.yaml)`,
    );
    expect(() => loadStackConfigFile(`${f}.missing`)).toThrow(
      `Invalid finetune-kit configuration (1 problem):\n  ${f}.missing: does not exist (pass a file in the format of stacks/Pulumi.<stack>.yaml)`,
    );
    expect(() => loadStackConfigFile(path.dirname(f))).toThrow(`  ${path.dirname(f)}: is not a file (pass a file in the format of stacks/Pulumi.<stack>.yaml)`);
  });

  it.each([
    ["a tab as indentation", "config:\n\tfinetune:target: kubernetes\n", ":2:1: Tabs are not allowed as indentation (indent with spaces, not tabs)"],
    [
      "a duplicated key",
      "config:\n  finetune:target: kubernetes\n  finetune:target: gcp\n",
      ":3:3: Map keys must be unique (keep only one of the duplicated keys)",
    ],
    ["an unclosed quote", 'config:\n  finetune:name: "abc\n', ':3:1: Missing closing "quote (close the quote or bracket that was opened)'],
  ])("a YAML syntax error (%s) names the file, line and column and says how to fix it", (_t, text, expected) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ftk-")), "broken.yaml");
    fs.writeFileSync(f, text);
    let message = "";
    try {
      loadStackConfigFile(f);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    expect(message).toBe(`Invalid finetune-kit configuration (1 problem):\n  ${f}${expected}`);
  });

  it("binary garbage is never echoed raw: control characters in a value come back escaped", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ftk-")), "garbage.yaml");
    fs.writeFileSync(f, 'config:\n  finetune:target: kubernetes\n  finetune:kubernetes: { context: c }\n  finetune:name: "\\x1b[2J\\x07\\x00zz"\n');
    const engine = loadStackConfigFile(f);
    expect(() =>
      parseKitConfig(JSON.parse(`{"target":"kubernetes","kubernetes":{"context":"c"},"name":${JSON.stringify(engine.config["finetune:name"])}}`)),
    ).toThrow(
      "  finetune:name: \"\\u001b[2J\\u0007\\u0000zz\" must be 2-21 lowercase letters, digits or '-', starting with a letter (it prefixes cloud resource names)",
    );
  });
});

describe("reading config through the Pulumi runtime", () => {
  it("reads finetune:* keys, ignores other namespaces and applies defaults", async () => {
    let seen: unknown;
    await runWithMocks(
      () => {
        seen = readKitConfig();
      },
      { config: { "finetune:target": "kubernetes", "finetune:kubernetes": '{"context":"lab"}', "aws:region": "us-east-1" } },
    );
    expect(seen).toMatchObject({ target: "kubernetes", name: "finetune", kubernetes: { context: "lab", namespace: "finetune" } });
  });

  it("refuses a hub token stored in plain text, together with the other problems", async () => {
    let error: Error | undefined;
    await runWithMocks(
      () => {
        try {
          readKitConfig();
        } catch (e) {
          error = e as Error;
        }
      },
      { config: { "finetune:target": "kubernetes", "finetune:kubernetes": "{}", "finetune:hubToken": "hf_plain" } },
    );
    expect(error?.message).toBe(
      "Invalid finetune-kit configuration (2 problems):\n" +
        "  finetune:hubToken: is stored in plain text (store it encrypted: pulumi config set --secret finetune:hubToken <value>)\n" +
        "  finetune:kubernetes.context: is required (set it to a string)",
    );
  });

  it("hands out the hub token as a secret output", async () => {
    let isSecret: boolean | undefined;
    await runWithMocks(
      async () => {
        const token = readHubToken();
        isSecret = token ? await pulumi.isSecret(token) : undefined;
      },
      { config: { "finetune:hubToken": "hf_x" }, secretKeys: ["finetune:hubToken"] },
    );
    expect(isSecret).toBe(true);
  });
});
