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

/**
 * An artifact-store contract as the pipelines take it: the plain contract of every registry, the AWS registry's
 * (whose account-dependent fields may be outputs), or, as `pulumi.Input<ArtifactStoreContractInput>`, one output
 * holding a whole contract (another stack's, via `artifactStoreContractFromStack`). One named type, so that the
 * component provider host can serve it to other languages.
 */
export interface ArtifactStoreContractInput extends Omit<ArtifactStoreContract, "containerRegistry" | "identity" | "kmsKeyId"> {
  /** Container registry prefix images are pushed to (ECR: `<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
  containerRegistry: pulumi.Input<string>;
  /** Identity that may read/write the store (IAM role ARN, GSA email, or a Kubernetes secret ref). */
  identity: pulumi.Input<string>;
  /** KMS key ARN / CMEK name used for encryption, where there is one. @default - none */
  kmsKeyId?: pulumi.Input<string>;
}

/**
 * One output holding the plain contract, for consumers that render inside an `apply` (pure renderers take
 * the plain {@link ArtifactStoreContract}).
 */
export function resolveArtifactStoreContract(contract: pulumi.Input<ArtifactStoreContractInput>): pulumi.Output<ArtifactStoreContract> {
  return pulumi.output(contract as pulumi.Input<ArtifactStoreContract>) as pulumi.Output<ArtifactStoreContract>;
}
