import { describe, expect, it } from "vitest";
import { leastPrivilegeProblems, pipelinePrefixes, policyAllows } from "../../components/artifact-registry/aws-workload-identity";
import { expectValidManifests } from "../validators/kubernetes";
import { BUCKET, BUCKET_ARN, ISSUER, PIPELINES, PROJECT, roleOf, runExample, SPECS } from "./eks-irsa-pipelines.shared";
import { mandatory, manifestsOf, manifestsOfKind } from "./helpers";

describe("examples/eks-irsa-pipelines (IRSA)", () => {
  const run = runExample();

  it("gives each pipeline's ServiceAccount its own role, trusted only for that ServiceAccount", async () => {
    const { resources, outputs } = await run;
    const arns = new Set<string>();
    for (const p of PIPELINES) {
      const { role, trust } = roleOf(resources, p);
      const sa = manifestsOfKind(resources, "ServiceAccount").find((m) => m.metadata.name === `${p}-pipeline`)!;
      expect(sa.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": role.state.arn });
      expect(trust.Statement[0].Condition).toEqual({
        StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:ml-pipelines:${p}-pipeline`, [`${ISSUER}:aud`]: "sts.amazonaws.com" },
      });
      expect(trust.Statement[0].Principal).toEqual({ Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}` });
      arns.add(role.state.arn as string);
    }
    expect(arns.size).toBe(2);
    expect(outputs.roles).toEqual(Object.fromEntries(PIPELINES.map((p) => [p, roleOf(resources, p).role.state.arn])));
  });

  it("each pipeline's role reaches only its own prefixes", async () => {
    const { resources } = await run;
    for (const [self, other] of [PIPELINES, [...PIPELINES].reverse()]) {
      const { policy } = roleOf(resources, self);
      const can = (action: string, key: string) => policyAllows(policy, action, `${BUCKET_ARN}/${key}`);
      expect(leastPrivilegeProblems(policy, BUCKET_ARN, pipelinePrefixes(SPECS[self], BUCKET).prefixes)).toEqual([]);
      for (const area of ["runs", "checkpoints", "registry"]) {
        expect([
          self,
          area,
          can("s3:PutObject", `${area}/${self}/wf-1/x`),
          can("s3:GetObject", `${area}/${other}/wf-1/x`),
          can("s3:PutObject", `${area}/${other}/wf-1/x`),
        ]).toEqual([self, area, true, false, false]);
      }
      expect(policyAllows(policy, "s3:ListBucket", BUCKET_ARN, { "s3:prefix": `runs/${other}/` })).toBe(false);
      const otherDataset = SPECS[other].dataset.uri.replace(`s3://${BUCKET}/`, "");
      expect([self, can("s3:GetObject", SPECS[self].dataset.uri.replace(`s3://${BUCKET}/`, "")), can("s3:GetObject", otherDataset)]).toEqual([
        self,
        true,
        false,
      ]);
    }
  });

  it("emits only Kubernetes objects the upstream validators accept", async () => {
    const { resources } = await run;
    expectValidManifests(manifestsOf(resources));
  });

  it("has zero mandatory policy violations", async () => {
    const { resources } = await run;
    expect(mandatory(resources, PROJECT)).toEqual([]);
  });
});
