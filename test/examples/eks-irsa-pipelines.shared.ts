import type { PolicyDocument } from "../../components/artifact-registry/aws-policies";
import { runWithMocks, type MockRunResult, type RecordedResource } from "../../plan/mock-engine";
import { example } from "../pipeline/fixtures";

// Shared by the IRSA and Pod Identity runs of examples/eks-irsa-pipelines (one file each: the example is a module
// whose top level is the program, so it runs once per process).
export const PROJECT = "eks-irsa-pipelines";
export const BUCKET = "acme-finetune-artifacts";
export const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
export const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/MOCKOIDC";
const BASE = {
  [`${PROJECT}:clusterName`]: "prod",
  [`${PROJECT}:region`]: "us-east-1",
  [`${PROJECT}:accountId`]: "123456789012",
  [`${PROJECT}:bucketName`]: BUCKET,
  [`${PROJECT}:hubToken`]: "hf_test",
};
export const PIPELINES = ["doc-classifier", "support-assistant"] as const;
export const SPECS = { "doc-classifier": example("document-classifier"), "support-assistant": example("support-assistant") };

export async function runExample(extra: Record<string, string> = {}): Promise<MockRunResult> {
  return runWithMocks(async () => ({ ...(await import("../../examples/eks-irsa-pipelines/index")) }), {
    project: PROJECT,
    config: { ...BASE, ...extra },
    secretKeys: [`${PROJECT}:hubToken`],
  });
}

/** The identity component of a pipeline and its role's trust / inline policy. */
export function roleOf(resources: RecordedResource[], pipeline: string): { role: RecordedResource; trust: PolicyDocument; policy: PolicyDocument } {
  const component = resources.find((r) => r.type === "finetune-kit:index:EksPipelineIdentity" && r.name === `${pipeline}-identity`)!;
  const role = resources.find((r) => r.type === "aws:iam/role:Role" && r.parent === component.urn)!;
  const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.parent === component.urn)!;
  return {
    role,
    trust: JSON.parse(role.inputs.assumeRolePolicy as string) as PolicyDocument,
    policy: JSON.parse(policy.inputs.policy as string) as PolicyDocument,
  };
}
