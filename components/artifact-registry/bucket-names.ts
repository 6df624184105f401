/**
 * Bucket naming rules of S3 (general purpose buckets, also what MinIO and most S3-compatible stores accept) and
 * of Cloud Storage, as a table. Pure. Each problem reads `<what is wrong> (<how to fix>)`.
 *
 * Sources: docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html,
 * cloud.google.com/storage/docs/buckets#naming (checked 2026-11-29).
 */

/** Which store's rules to check. `portable` checks both, so that a name works everywhere. */
export type BucketRules = "s3" | "gcs" | "portable";

interface Rule {
  /** Stores the rule belongs to. */
  stores: readonly ("s3" | "gcs")[];
  /** True when the name breaks the rule. */
  broken: (name: string) => boolean;
  /** `<what is wrong> (<how to fix>)`. */
  message: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const RULES: readonly Rule[] = [
  { stores: ["s3", "gcs"], broken: (n) => n.length < 3, message: "is shorter than 3 characters (use 3-63 characters)" },
  { stores: ["s3", "gcs"], broken: (n) => n.length > 63, message: "is longer than 63 characters (use 3-63 characters)" },
  {
    stores: ["s3", "gcs"],
    broken: (n) => /[A-Z]/.test(n),
    message: "contains uppercase letters (bucket names are lowercase: use lowercase letters, digits and '-')",
  },
  {
    stores: ["s3"],
    broken: (n) => /[^a-zA-Z0-9.-]/.test(n),
    message: "contains characters other than letters, digits, '.' and '-' (use lowercase letters, digits and '-')",
  },
  {
    stores: ["gcs"],
    broken: (n) => /[^a-zA-Z0-9._-]/.test(n),
    message: "contains characters other than letters, digits, '.', '_' and '-' (use lowercase letters, digits and '-')",
  },
  {
    stores: ["s3", "gcs"],
    broken: (n) => n.length > 0 && !/^[a-z0-9](.*[a-z0-9])?$/i.test(n),
    message: "must start and end with a lowercase letter or digit (remove the leading or trailing punctuation)",
  },
  { stores: ["s3", "gcs"], broken: (n) => n.includes(".."), message: "contains two adjacent periods (remove the extra '.'; prefer '-' over '.')" },
  {
    stores: ["gcs"],
    broken: (n) => n.includes(".") && !n.includes(".."),
    message: "contains '.', which Cloud Storage only allows for verified domain names (use '-' instead)",
  },
  { stores: ["s3", "gcs"], broken: (n) => IPV4.test(n), message: "is formatted as an IP address (use a name with letters, e.g. a prefix such as 'ml-')" },
  { stores: ["s3"], broken: (n) => n.startsWith("xn--"), message: "starts with the reserved prefix 'xn--' (choose another prefix)" },
  { stores: ["s3"], broken: (n) => n.startsWith("sthree-"), message: "starts with the reserved prefix 'sthree-' (choose another prefix)" },
  { stores: ["s3"], broken: (n) => n.startsWith("amzn-s3-demo-"), message: "starts with the reserved prefix 'amzn-s3-demo-' (choose another prefix)" },
  { stores: ["s3"], broken: (n) => n.endsWith("-s3alias"), message: "ends with the reserved suffix '-s3alias' (choose another suffix)" },
  { stores: ["s3"], broken: (n) => n.endsWith("--ol-s3"), message: "ends with the reserved suffix '--ol-s3' (choose another suffix)" },
  { stores: ["s3"], broken: (n) => n.endsWith(".mrap"), message: "ends with the reserved suffix '.mrap' (choose another suffix)" },
  { stores: ["s3"], broken: (n) => n.endsWith("--x-s3"), message: "ends with the reserved suffix '--x-s3' (choose another suffix)" },
  { stores: ["s3"], broken: (n) => n.endsWith("--table-s3"), message: "ends with the reserved suffix '--table-s3' (choose another suffix)" },
  { stores: ["gcs"], broken: (n) => n.startsWith("goog"), message: "starts with 'goog', which Cloud Storage reserves (choose another prefix)" },
  { stores: ["gcs"], broken: (n) => /g[o0]{2}gle/.test(n), message: "contains 'google' or a look-alike, which Cloud Storage reserves (choose another name)" },
];

/** Every rule `name` breaks under `rules`, each as `<what is wrong> (<how to fix>)`; empty when valid. */
export function bucketNameProblems(name: string, rules: BucketRules): string[] {
  const stores: readonly string[] = rules === "portable" ? ["s3", "gcs"] : [rules];
  const out: string[] = [];
  for (const r of RULES) {
    if (r.stores.some((s) => stores.includes(s)) && r.broken(name) && !out.includes(r.message)) out.push(r.message);
  }
  // The generic character rules overlap for "portable": keep the stricter one only.
  if (rules === "portable") {
    const s3Chars = RULES[3].message;
    const gcsChars = RULES[4].message;
    if (out.includes(s3Chars) && out.includes(gcsChars)) out.splice(out.indexOf(gcsChars), 1);
  }
  return out;
}

/**
 * The default S3 bucket name: `<prefix>-artifacts-<account>-<region>` (AWS's own advice for globally unique,
 * predictable names). Needs the account id; without one the caller must name the bucket.
 */
export function defaultS3BucketName(prefix: string, accountId: string, region: string): string {
  return `${prefix}-artifacts-${accountId}-${region}`;
}
