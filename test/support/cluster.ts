// The pm2 cluster harness lives in @nanobot/testkit (benchmarks use it too).
export { createCluster, fakeConfig, writeConfig, repoRoot } from '@nanobot/testkit';
export type { Cluster, ClusterOptions, RunResult } from '@nanobot/testkit';
