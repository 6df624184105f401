/**
 * Pass marks of the two-node NCCL all-reduce smoke test, per interconnect: the measured bus bandwidth (nccl-tests'
 * `busbw` definition, PERFORMANCE.md of NVIDIA/nccl-tests: busbw = algbw × 2(n−1)/n for all-reduce) must reach
 * `fractionOfNominal` × the nominal inter-node bandwidth of one node. Pure data (no Pulumi imports).
 *
 * Published two-node measurements the fractions are checked against (a test holds each threshold below them):
 * - [NCCL-527] NVIDIA/nccl issue #527 (2022-07-25): nccl-tests `all_reduce_perf`, 2 × p4d.24xlarge (EFA, 4 × 100
 *   Gbps = 400 Gbps per node), 1 GiB float sum: busbw 57.17 GB/s out-of-place.
 * - [NCCL-398] NVIDIA/nccl issue #398 (2020-10): `all_reduce_perf` over TCP sockets between two p3dn.24xlarge (100
 *   Gbps ENA): busbw about 4.7 GB/s.
 * - [NCCLT-22] NVIDIA/nccl-tests issue #22: on exactly two nodes the tree algorithm can report a busbw above the link
 *   rate (so a two-node fraction above 1, as in [NCCL-527], is not an error).
 * Where no published two-node figure exists for an interconnect the row says `assumption` and picks a low fraction.
 */

import type { InterconnectKind } from "./contracts/gpu-pool";

/** One interconnect's pass mark. */
export interface NcclThreshold {
  /** Fraction of the nominal per-node inter-node bandwidth the measured all-reduce busbw must reach. */
  fractionOfNominal: number;
  /** Nominal Gbit/s per node used when the pool's machine type is not in core/interconnect.ts. */
  fallbackNominalGbps: number;
  /**
   * What a PSS-restricted pod actually reaches on this interconnect: `fabric` (the interconnect itself) or `socket`
   * (NCCL's TCP socket transport over the primary NIC, because the interconnect needs what DESIGN §6 forbids).
   */
  transport: "fabric" | "socket";
  /** Published measurement(s) behind the fraction, or why there is none. */
  source: string;
  /** Set when no published figure backs the fraction: the reason the value was chosen. */
  assumption?: string;
}

/** A published two-node measurement, as the ratio busbw / nominal per-node bandwidth. */
export interface NcclCalibration {
  interconnect: InterconnectKind;
  /** Measured busbw in GB/s (decimal, as nccl-tests prints it). */
  busbwGBps: number;
  /** Nominal per-node inter-node bandwidth of that measurement in Gbit/s. */
  nominalGbps: number;
  source: string;
}

/** The published runs the thresholds are checked against. */
export const NCCL_CALIBRATION: readonly NcclCalibration[] = [
  { interconnect: "efa", busbwGBps: 57.17, nominalGbps: 400, source: "NCCL-527" },
  { interconnect: "none", busbwGBps: 4.7, nominalGbps: 100, source: "NCCL-398" },
];

/** TCP socket transport: the fraction shared by `none` and the GKE GPUDirect kinds (which a restricted pod reaches only through sockets). */
const SOCKET_FRACTION = 0.15; // [NCCL-398] measured 4.7 GB/s of 12.5 GB/s nominal = 0.376; 0.15 is 40 % of it (assumption: room for smaller NICs and busier nodes)
/** GKE A3 / A4 primary gVNIC in Gbit/s (the NIC that is left to a pod without the GPUDirect sidecars or plugins). */
const GKE_PRIMARY_GVNIC_GBPS = 200; // estimate: GCE "GPU machine types" network table [GCE-GPU in core/interconnect.ts], not re-read this session

/** Pass marks per interconnect kind. Every kind must have a row (a test plants a missing one). */
export const NCCL_THRESHOLDS: Readonly<Record<InterconnectKind, NcclThreshold>> = {
  none: {
    fractionOfNominal: SOCKET_FRACTION,
    // assumption: the smallest primary NIC of a multi-node GPU machine in the catalog (g5/g6 .8xlarge, 25 Gbps; [EC2-ACC] in core/interconnect.ts)
    fallbackNominalGbps: 25,
    transport: "socket",
    source: "NCCL-398",
    assumption: "nominal 25 Gbps: the pool's NIC is unknown on existing nodes; the smallest multi-node GPU NIC in the catalog",
  },
  efa: {
    // [NCCL-527] 57.17 GB/s of 50 GB/s nominal = 1.14 (two-node tree, [NCCLT-22]); half the nominal leaves room for
    // g-family single-EFA nodes whose two-node figure is unpublished
    fractionOfNominal: 0.5,
    fallbackNominalGbps: 100,
    transport: "fabric",
    source: "NCCL-527, NCCLT-22",
  },
  tcpx: {
    fractionOfNominal: SOCKET_FRACTION,
    fallbackNominalGbps: GKE_PRIMARY_GVNIC_GBPS,
    transport: "socket",
    source: "NCCL-398",
    assumption:
      "GPUDirect-TCPX needs the privileged tcpx-daemon sidecar and hostPath NCCL plugin (outside PSS restricted): the smoke test measures sockets over the primary gVNIC",
  },
  tcpxo: {
    fractionOfNominal: SOCKET_FRACTION,
    fallbackNominalGbps: GKE_PRIMARY_GVNIC_GBPS,
    transport: "socket",
    source: "NCCL-398",
    assumption:
      "GPUDirect-TCPXO needs the tcpxo-daemon (RxDM) sidecar with NET_ADMIN and hostPath libraries (outside PSS restricted): the smoke test measures sockets over the primary gVNIC",
  },
  rdma: {
    fractionOfNominal: SOCKET_FRACTION,
    fallbackNominalGbps: GKE_PRIMARY_GVNIC_GBPS,
    transport: "socket",
    source: "NCCL-398",
    assumption: "GKE RDMA needs the gIB NCCL plugin from a hostPath (outside PSS restricted): the smoke test measures sockets over the primary gVNIC",
  },
};

/** Source keys the module header defines (a row naming any other key is an error). */
export const NCCL_SOURCES = ["NCCL-527", "NCCL-398", "NCCLT-22"] as const;

/**
 * The busbw pass mark in GB/s for a pool: `fractionOfNominal` × nominal Gbit/s / 8. `nominalGbps` is the machine's
 * figure from core/interconnect.ts when known; socket-transport rows ignore the fabric figure (their traffic never
 * crosses it) and use the row's fallback. Throws when the table lacks the kind.
 */
export function ncclBusBwThresholdGBps(kind: InterconnectKind, nominalGbps?: number, table: Readonly<Record<string, NcclThreshold>> = NCCL_THRESHOLDS): number {
  const row = table[kind];
  if (!row) throw new Error(`no NCCL all-reduce threshold for interconnect "${kind}" (add a row to NCCL_THRESHOLDS in core/nccl-thresholds.ts)`);
  const nominal = row.transport === "fabric" && nominalGbps && nominalGbps > 0 ? nominalGbps : row.fallbackNominalGbps;
  return Math.round(((row.fractionOfNominal * nominal) / 8) * 100) / 100;
}

/** Every interconnect kind the pool contract knows (the table must cover each). */
export const INTERCONNECT_KINDS: readonly InterconnectKind[] = ["none", "efa", "tcpx", "tcpxo", "rdma"];

/**
 * What is wrong with a threshold table: a kind without a row, a source key the header does not define, a socket or
 * unpublished row without its assumption, or a fraction above what a published two-node run of that kind measured.
 */
export function ncclThresholdTableProblems(
  table: Readonly<Partial<Record<InterconnectKind, NcclThreshold>>>,
  calibration: readonly NcclCalibration[] = NCCL_CALIBRATION,
): string[] {
  const out: string[] = [];
  for (const kind of INTERCONNECT_KINDS) {
    const row = table[kind];
    if (!row) {
      out.push(`${kind}: no threshold row`);
      continue;
    }
    const keys = row.source.split(",").map((k) => k.trim());
    for (const k of keys) if (!(NCCL_SOURCES as readonly string[]).includes(k)) out.push(`${kind}: source "${k}" is not one of ${NCCL_SOURCES.join(", ")}`);
    const published = calibration.some((c) => c.interconnect === kind);
    if (!published && !row.assumption) out.push(`${kind}: no published two-node figure and no assumption`);
    if (!(row.fractionOfNominal > 0) || !(row.fallbackNominalGbps > 0)) out.push(`${kind}: fraction and fallback bandwidth must be positive`);
    for (const c of calibration.filter((x) => x.interconnect === kind)) {
      const measured = (c.busbwGBps * 8) / c.nominalGbps;
      if (row.fractionOfNominal > measured)
        out.push(`${kind}: fraction ${row.fractionOfNominal} is above the ${measured.toFixed(3)} that ${c.source} measured (a healthy pair would fail)`);
    }
  }
  return out;
}
