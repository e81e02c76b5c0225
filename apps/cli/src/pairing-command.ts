import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { AppError } from '@nanobot/core';
import { createPairingStore, importPairingFile, writePairingFile, type PairingStore } from '@nanobot/bus';
import type { LoadedConfig } from '@nanobot/config';
import { withRedis } from './with-redis.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

const left = (expiresAt: number, now: number) => {
  const s = Math.round((expiresAt - now) / 1000);
  return s > 0 ? `${s}s` : 'expired';
};

/** Redis is what the channels read; nanobot's pairing.json is kept in step, so approvals outlive a wiped Redis. */
async function saveFile(store: PairingStore, loaded: LoadedConfig): Promise<void> {
  await writePairingFile(loaded.nanobotHome, await store.approved(), await store.pending());
}

/** The store, with approvals made by nanobot itself (pairing.json) in it first. */
async function openStore(redis: Redis, loaded: LoadedConfig): Promise<PairingStore> {
  const store = createPairingStore(redis);
  await importPairingFile(store, loaded.nanobotHome);
  return store;
}

export function registerPairingCommand(program: Command): void {
  const pairing = program.command('pairing').description("nanobot's DM pairing: strangers who wrote to the bot, and who is approved");
  pairing
    .command('list', { isDefault: true })
    .description('pending pairing codes, and the approved senders per channel')
    .action(() =>
      withRedis(async (redis, loaded) => {
        const store = await openStore(redis, loaded);
        const pending = await store.pending();
        const now = Date.now();
        if (pending.length === 0) print('No pending pairing requests.');
        else print('Pending pairing requests:');
        for (const p of pending) print(`  ${p.code}  ${p.channel.padEnd(9)} ${p.sender.padEnd(24)} expires in ${left(p.expiresAt, now)}`);
        const approved = await store.approved();
        const channels = Object.entries(approved);
        print(channels.length === 0 ? 'Approved senders: none' : 'Approved senders:');
        for (const [channel, senders] of channels) print(`  ${channel.padEnd(9)} ${senders.join(', ')}`);
      }),
    );
  pairing
    .command('approve')
    .description('let the sender of a pairing code talk to the bot, at once')
    .argument('<code>')
    .action((code: string) =>
      withRedis(async (redis, loaded) => {
        const store = await openStore(redis, loaded);
        const decided = await store.approve(code);
        if (decided === null) throw new AppError('MESSAGE_INVALID', `invalid or expired pairing code: ${code}`);
        await saveFile(store, loaded);
        print(`Approved pairing code ${decided.code}: ${decided.sender} can now talk to the bot on ${decided.channel}`);
      }),
    );
  pairing
    .command('deny')
    .description('drop a pairing code; its sender is ignored and gets no new code for a day')
    .argument('<code>')
    .action((code: string) =>
      withRedis(async (redis, loaded) => {
        const store = await openStore(redis, loaded);
        const decided = await store.deny(code);
        if (decided === null) throw new AppError('MESSAGE_INVALID', `pairing code not found or already expired: ${code}`);
        await saveFile(store, loaded);
        print(`Denied pairing code ${decided.code} (${decided.sender} on ${decided.channel})`);
      }),
    );
  pairing
    .command('revoke')
    .description('remove an approved sender of a channel')
    .argument('<channel>')
    .argument('<sender>', 'the user id (as `nanobot pairing list` shows it)')
    .action((channel: string, sender: string) =>
      withRedis(async (redis, loaded) => {
        const store = await openStore(redis, loaded);
        const removed = await store.revoke(channel, sender);
        if (removed === 0) throw new AppError('MESSAGE_INVALID', `${sender} is not an approved sender of ${channel}`);
        await saveFile(store, loaded);
        print(`Revoked ${sender} on ${channel}`);
      }),
    );
}
