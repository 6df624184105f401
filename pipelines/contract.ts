import contract from "./scripts/ftkit_contract.json";

/**
 * The constants the renderers and the Python stage scripts share, defined once in
 * pipelines/scripts/ftkit_contract.json: it ships with the scripts (scripts ConfigMap, SageMaker code prefix) and
 * ftkit_store.py reads it beside itself, so neither side spells an exit code, a checkpoint marker or an
 * environment variable name of its own. Every variable name carries the one prefix `FTKIT_`.
 */

/** Exit codes of every stage script. `badInput`: the run cannot succeed as given; JobSets fail at once on it, no retry. */
export const EXIT_CODES: Readonly<typeof contract.exitCodes> = contract.exitCodes;

/** Checkpoint completion markers: `local`, written by the trainer plugin when a save finished; `remote`, by the sync after upload. */
export const CHECKPOINT_MARKERS: Readonly<typeof contract.checkpointMarkers> = contract.checkpointMarkers;

/** Environment variable names (and the `*Prefix` name prefixes) the containers are given and the scripts read. */
export const ENV: Readonly<typeof contract.env> = contract.env;
