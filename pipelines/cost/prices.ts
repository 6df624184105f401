import type { GpuType } from "../../core/gpu-catalog";

/**
 * The pinned price table of the cost estimate: USD per GPU-hour of the smallest machine carrying the GPU
 * (whole machine price ÷ its GPUs), on-demand, in one reference region per platform, plus the standing
 * (idle) prices of a stack. List prices as published on the pages below; spot prices move hourly, so spot
 * is the on-demand price × the platform's typical spot fraction stated beside it.
 * Sources: AWS EC2 On-Demand pricing (https://aws.amazon.com/ec2/pricing/on-demand/, us-east-1: g4dn.xlarge,
 * g5.xlarge, g6.xlarge, g6e.xlarge, p4d/p4de.24xlarge, p5.48xlarge, p5e.48xlarge, p6-b200.48xlarge ÷ 8);
 * SageMaker training pricing (https://aws.amazon.com/sagemaker/pricing/, ml.* of the same shapes); GCP GPU and
 * accelerator-optimized VM pricing (https://cloud.google.com/compute/gpus-pricing, us-central1); EKS pricing
 * (https://aws.amazon.com/eks/pricing/: $0.10 per cluster-hour); GKE pricing
 * (https://cloud.google.com/kubernetes-engine/pricing: $0.10 per cluster-hour); S3 Standard and GCS Standard
 * storage pricing. Entered {@link PRICES_ENTERED}. The AWS figures for g4dn.xlarge $0.526, g5.xlarge $1.006,
 * g6.xlarge $0.8048, g6e.xlarge $1.861 (per hour, 1 GPU), p4d.24xlarge $21.96 and p5.48xlarge $55.04 (8 GPUs,
 * after AWS's June 2025 P4/P5 price cut; p5.4xlarge $6.88 for 1 H100) were corroborated against 2026 price notes
 * published in public repositories; the GCP, SageMaker, H200 and B200 figures were not re-read from the live
 * pages: re-check them before quoting a budget.
 */
export const PRICES_ENTERED = "2026-12-01 (AWS EC2 G/P figures corroborated; GCP, SageMaker, H200, B200 not re-verified)";

/** Platforms the price table covers, with the reference region. */
export const PRICE_REGIONS = { aws: "us-east-1", sagemaker: "us-east-1", gcp: "us-central1", kubernetes: "(your own nodes)" } as const;
export type PricePlatform = keyof typeof PRICE_REGIONS;

/** On-demand USD per GPU-hour (undefined: the platform does not offer the GPU). */
export const ON_DEMAND_PER_GPU_HOUR: Record<GpuType, Partial<Record<Exclude<PricePlatform, "kubernetes">, number>>> = {
  t4: { aws: 0.526, sagemaker: 0.736, gcp: 0.73 },
  a10g: { aws: 1.006, sagemaker: 1.408 },
  l4: { aws: 0.805, sagemaker: 1.01, gcp: 0.707 },
  l40s: { aws: 1.861, sagemaker: 2.33 },
  "a100-40gb": { aws: 2.745, sagemaker: 4.1, gcp: 3.673 },
  "a100-80gb": { aws: 3.431, sagemaker: 5.12, gcp: 5.069 },
  h100: { aws: 6.88, sagemaker: 8.6, gcp: 11.06 },
  h200: { aws: 7.91, sagemaker: 9.89, gcp: 10.85 },
  b200: { aws: 14.24, sagemaker: 17.8, gcp: 18.53 },
};

/**
 * Spot price as a fraction of on-demand: AWS Spot Instance Advisor shows 60–70% savings for most GPU families
 * (0.35); SageMaker managed spot training advertises up to 90% savings, priced like EC2 spot (0.35); GCP Spot
 * VMs list 60–91% discounts, GPUs ~65% off (0.35). One fraction per platform: an assumption, not a quote.
 */
export const SPOT_FRACTION: Record<Exclude<PricePlatform, "kubernetes">, number> = { aws: 0.35, sagemaker: 0.35, gcp: 0.35 };

/** Standing monthly prices (730 hours): managed control plane, object storage per GB-month. */
export const STANDING = {
  hoursPerMonth: 730,
  controlPlanePerHour: { aws: 0.1, sagemaker: 0, gcp: 0.1, kubernetes: 0 },
  storagePerGbMonth: { aws: 0.023, sagemaker: 0.023, gcp: 0.02, kubernetes: 0 },
} as const;

/** On-demand and spot USD per GPU-hour of a GPU on a platform (zeros on your own nodes). */
export function gpuHourPrice(gpu: GpuType, platform: PricePlatform): { onDemand: number; spot: number } | undefined {
  if (platform === "kubernetes") return { onDemand: 0, spot: 0 };
  const onDemand = ON_DEMAND_PER_GPU_HOUR[gpu][platform];
  return onDemand === undefined ? undefined : { onDemand, spot: Math.round(onDemand * SPOT_FRACTION[platform] * 1000) / 1000 };
}
