/**
 * The finetune-guard CrossGuard policy pack. Constructing the PolicyPack starts the analyzer's gRPC server,
 * so nothing but the Pulumi CLI should load this file: tests and `npm run plan` use `policy/engine.ts`.
 *
 *   pulumi preview --policy-pack policy            # from a checkout of finetune-kit (after npm ci)
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("finetune-guard", {
  description: "Fine-tuning and security policies for GPU/ML infrastructure built with finetune-kit.",
  policies: policies.map((p) => {
    // Hand the engine plain CrossGuard policies (the kit's own metadata stays behind).
    const { kind: _kind, group: _group, appliesTo: _appliesTo, ...policy } = p;
    return policy;
  }),
});
