/** AWS partitions by region prefix, with the DNS suffix of their service endpoints (first match wins). */
const PARTITIONS = [
  { prefix: "cn-", partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" },
  { prefix: "us-gov-", partition: "aws-us-gov", dnsSuffix: "amazonaws.com" },
  { prefix: "", partition: "aws", dnsSuffix: "amazonaws.com" },
] as const;

/** Partition and DNS suffix of an AWS region (`cn-north-1` → `aws-cn`, `amazonaws.com.cn`). */
export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  const p = PARTITIONS.find((x) => region.startsWith(x.prefix))!;
  return { partition: p.partition, dnsSuffix: p.dnsSuffix };
}
