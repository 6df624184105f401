import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The AWS managed policies an EKS worker node needs at minimum (EKS user guide, "Amazon EKS node IAM role"):
 * join the cluster, run the VPC CNI, pull images from ECR. Nothing else: pods get their own identities (IRSA /
 * Pod Identity), never the node role's.
 */
export const EKS_NODE_MANAGED_POLICIES = {
  worker: "AmazonEKSWorkerNodePolicy",
  cni: "AmazonEKS_CNI_Policy",
  ecrReadOnly: "AmazonEC2ContainerRegistryReadOnly",
} as const;

/** The assume-role policy of a node role: only EC2 may assume it. */
export const EC2_ASSUME_ROLE_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** A least-privilege node role and its policy attachments, children of `parent`. */
export function createGpuNodeRole(name: string, parent: pulumi.Resource, tags: Record<string, string>): aws.iam.Role {
  const role = new aws.iam.Role(
    `${name}-node-role`,
    { description: `GPU nodes of ${name} (finetune-kit)`, assumeRolePolicy: EC2_ASSUME_ROLE_POLICY, tags },
    { parent },
  );
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  for (const [suffix, policy] of Object.entries(EKS_NODE_MANAGED_POLICIES)) {
    new aws.iam.RolePolicyAttachment(
      `${name}-node-${suffix}`,
      { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}` },
      { parent },
    );
  }
  return role;
}
