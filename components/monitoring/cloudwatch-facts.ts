/** Facts about CloudWatch and SageMaker monitoring the kit relies on (checked 2026-11-29). */

/** Retention values (days) CloudWatch Logs accepts for `retentionInDays` (PutRetentionPolicy). */
export const CLOUDWATCH_LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The shortest retention the kit accepts for training/serving logs (incident investigations need a week). */
export const MIN_LOG_RETENTION_DAYS = 7;

/** The problem with a retention value as `<what> (<fix>)`, or undefined. */
export function logRetentionProblem(days: number): string | undefined {
  if (!(CLOUDWATCH_LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
    return `${days} is not a retention CloudWatch Logs accepts (use one of ${CLOUDWATCH_LOG_RETENTION_DAYS.filter((d) => d >= MIN_LOG_RETENTION_DAYS).join(", ")})`;
  }
  if (days < MIN_LOG_RETENTION_DAYS) return `${days} days is below the minimum of ${MIN_LOG_RETENTION_DAYS} (use ${MIN_LOG_RETENTION_DAYS} or more)`;
  return undefined;
}

/** SageMaker CloudWatch namespaces and log groups. */
export const SAGEMAKER_CLOUDWATCH = {
  /** Training job instance metrics (dimension `Host` = `<job>/algo-<n>`) and metric-definition metrics (dimension `TrainingJobName`). */
  trainingNamespace: "/aws/sagemaker/TrainingJobs",
  /** Endpoint invocation metrics (dimensions `EndpointName`, `VariantName`). */
  endpointInvocationNamespace: "AWS/SageMaker",
  /** Endpoint instance metrics (GPU/CPU/memory). */
  endpointInstanceNamespace: "/aws/sagemaker/Endpoints",
  trainingLogGroup: "/aws/sagemaker/TrainingJobs",
  processingLogGroup: "/aws/sagemaker/ProcessingJobs",
  /** One log group per endpoint: `/aws/sagemaker/Endpoints/<endpoint name>`. */
  endpointLogGroupPrefix: "/aws/sagemaker/Endpoints/",
  /** EventBridge detail-type of training job state changes. */
  trainingStateChange: "SageMaker Training Job State Change",
  /** EventBridge detail-type of pipeline execution state changes. */
  pipelineStateChange: "SageMaker Model Building Pipeline Execution Status Change",
} as const;
