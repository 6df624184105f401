import * as pulumi from "@pulumi/pulumi";
import type { ArtifactStoreContract } from "../../core/contracts/artifact-store";

/**
 * The AWS registry's contract: an {@link ArtifactStoreContract} in which exactly three fields may be
 * outputs, because they contain the AWS account id (looked up with `aws.getCallerIdentity` unless the caller
 * passes `accountId`): `containerRegistry` (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`), `identity`
 * (the access role ARN) and `kmsKeyId` (the key's alias ARN). With `accountId` set, all three are plain strings.
 * Every other field is a plain string chosen at construction.
 */
export interface AwsArtifactStoreContract extends Omit<ArtifactStoreContract, "containerRegistry" | "identity" | "kmsKeyId"> {
  /** Container registry prefix images are pushed to: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  containerRegistry: pulumi.Input<string>;
  /** The access role ARN. */
  identity: pulumi.Input<string>;
  /** The KMS key's alias ARN. */
  kmsKeyId: pulumi.Input<string>;
}

/** A contract whose fields may be plain values or outputs (what the three registries expose). */
export type ArtifactStoreContractInput = ArtifactStoreContract | AwsArtifactStoreContract;

/**
 * One output holding the plain contract, for consumers that render inside an `apply` (pure renderers take
 * the plain {@link ArtifactStoreContract}).
 */
export function resolveArtifactStoreContract(contract: ArtifactStoreContractInput): pulumi.Output<ArtifactStoreContract> {
  return pulumi.output(contract as pulumi.Input<ArtifactStoreContract>) as pulumi.Output<ArtifactStoreContract>;
}
