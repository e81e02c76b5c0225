/** Discord's epoch (2015-01-01). */
const discordEpoch = 1_420_070_400_000n;

/** Snowflakes as Discord makes them: ms since its epoch << 22, plus an increment; strictly increasing. */
export function createSnowflakes(): () => string {
  let last = 0n;
  return () => {
    const now = (BigInt(Date.now()) - discordEpoch) << 22n;
    last = now > last ? now : last + 1n;
    return last.toString();
  };
}
