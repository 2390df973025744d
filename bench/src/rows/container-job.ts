import type { BenchContainer, PushJob } from "../bench-row.js";

/** The bench's resident container of a job, for the rows that need it. */
export const containerOf = (job: PushJob): BenchContainer => {
  if (job.container === undefined) throw new Error("this row needs the bench's resident container");
  return job.container;
};

/** The shared directory of the job's container, as the container strategies take it. */
export const sharedDirOf = (job: PushJob) => {
  const container = containerOf(job);
  return { hostPath: container.hostSharedDir, containerPath: container.containerSharedDir };
};
