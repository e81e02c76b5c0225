/** What the person waiting for a reply is told every few seconds. */
export type WaitFacts = {
  waitedMs: number;
  /** BullMQ's state of the inbound job: waiting, active, completed, failed, delayed, unknown... */
  jobState: string;
  /** Workers on `inbound`; null where Redis does not list clients. */
  inboundWorkers: number | null;
};

export function describeWait(facts: WaitFacts): string {
  const waited = `${Math.round(facts.waitedMs / 1000)}s`;
  if (facts.inboundWorkers === 0) {
    return `still waiting (${waited}): no agent is consuming messages any more (nanobot-agent down? see \`nanobot status\`); the message stays queued and is answered when an agent is back. Ctrl+C to leave.`;
  }
  switch (facts.jobState) {
    case 'waiting':
    case 'prioritized':
      return `still waiting (${waited}): the message is queued; every agent is busy with other turns`;
    case 'delayed':
      return `still waiting (${waited}): the agent will try again shortly (the last attempt failed)`;
    default:
      return `still waiting (${waited}): the agent is working on it`;
  }
}
