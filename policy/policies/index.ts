/** Every policy of the finetune-guard pack, grouped by domain. Importing this starts nothing. */
import type { KitPolicy } from "../kit-policy";
import { awsPolicies } from "./aws";
import { dataPolicies } from "./data";
import { fineTuningPolicies } from "./fine-tuning";
import { gcpPolicies } from "./gcp";
import { interconnectPolicies } from "./interconnect";
import { kubernetesPolicies } from "./kubernetes";

export { awsPolicies, dataPolicies, fineTuningPolicies, gcpPolicies, interconnectPolicies, kubernetesPolicies };

/** The full pack, in the order the README lists it. */
export const policies: readonly KitPolicy[] = [
  ...fineTuningPolicies,
  ...interconnectPolicies,
  ...kubernetesPolicies,
  ...awsPolicies,
  ...gcpPolicies,
  ...dataPolicies,
];
